// SchedulerOutput -> BatchInputs: flattens one step (prefill chunks and decodes alike) into
// token ids, positions, cache slots, block tables and the rows that need logits.
#pragma once

#include "kv_cache/kv_cache_manager.h"
#include "runner/batch_inputs.h"
#include "scheduler/scheduler.h"

namespace vllm {

// Reuses `in`'s capacity (no allocation once warmed up). The block-table stride is the
// longest table of the step, or at least `min_stride` (decode graphs key on a rounded one).
// The leading decode steps of `out` are counted in num_decode_tokens.
void BuildBatchInputs(const SchedulerOutput& out, const Scheduler& sched, const KvCacheManager& kv,
                      BatchInputs* in, int32_t min_stride = 1);

// A decode step: the sequence's one new token is a generated token fed back (past its prompt)
// and it samples, with no prompt-logits rows. Builders put these sequences first
// (BatchView::num_decode_tokens): their matmul rows get the decode numerics.
bool IsDecodeStep(const ScheduledSeq& s, const SchedRequest& r);

// Longest block table of the step's sequences (at least 1).
int32_t MaxBlocks(const SchedulerOutput& out, const KvCacheManager& kv);

}  // namespace vllm
