#include "runner/model_runner.h"

#include "runner/batch_builder.h"

namespace vllm {

ModelRunner::ModelRunner(Model* model, int64_t block_size, int64_t num_blocks, DType kv_dtype)
    : model_(model), kv_(model->MakeKvSpec(block_size, num_blocks, kv_dtype)) {}

std::vector<float>& ModelRunner::Execute(const SchedulerOutput& out, const Scheduler& sched,
                                         const KvCacheManager& kv) {
  BuildBatchInputs(out, sched, kv, &inputs_);
  const int64_t vocab = model_->config().vocab_size;
  logits_.resize(inputs_.logits_indices.size() * vocab);
  model_->Forward(inputs_, kv_, logits_.data());
  return logits_;
}

}  // namespace vllm
