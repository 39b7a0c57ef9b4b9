// SchedulerOutput -> BatchInputs: flattens one step (prefill chunks and decodes alike) into
// token ids, positions, cache slots, block tables and the rows that need logits.
#pragma once

#include "kv_cache/kv_cache_manager.h"
#include "runner/batch_inputs.h"
#include "scheduler/scheduler.h"

namespace vllm {

// Reuses `in`'s capacity (no allocation once warmed up).
void BuildBatchInputs(const SchedulerOutput& out, const Scheduler& sched, const KvCacheManager& kv,
                      BatchInputs* in);

}  // namespace vllm
