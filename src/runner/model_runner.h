// ModelRunner: SchedulerOutput -> BatchInputs -> Model::Forward -> logits of the sequences
// that sample this step. Owns the paged KV tensors; block ids come from the KvCacheManager.
// Mechanics only: which sequences run is the scheduler's business.
#pragma once

#include <memory>
#include <vector>

#include "kv_cache/kv_cache_manager.h"
#include "model/model.h"
#include "runner/batch_inputs.h"
#include "runner/kv_cache_tensors.h"
#include "scheduler/scheduler.h"

namespace vllm {

class ModelRunner {
 public:
  ModelRunner(Model* model, int64_t block_size, int64_t num_blocks, DType kv_dtype);

  // Runs the step. Returns logits [num sampling seqs, vocab] in the order of out.seqs
  // (only entries with `samples`); valid until the next call.
  std::vector<float>& Execute(const SchedulerOutput& out, const Scheduler& sched,
                                    const KvCacheManager& kv);


  const KvCacheTensors& kv_tensors() const { return kv_; }
  Model& model() { return *model_; }

 private:
  Model* model_;
  KvCacheTensors kv_;
  BatchInputs inputs_;       // reused step to step
  std::vector<float> logits_;
};

}  // namespace vllm
