#include "dist/tp_ops.h"

#include <cstring>

namespace vllm {

void TensorParallelOps::AllGatherVocab(const float* shard, int64_t rows, int64_t shard_cols, float* out) {
  const int64_t w = world_size();
  const size_t shard_bytes = static_cast<size_t>(rows * shard_cols) * sizeof(float);
  gathered_.resize(static_cast<size_t>(rows * shard_cols * w));  // [world, rows, shard_cols]
  comm_->AllGather(shard, shard_bytes, gathered_.data());
  for (int64_t r = 0; r < w; ++r)
    for (int64_t i = 0; i < rows; ++i)
      std::memcpy(out + i * shard_cols * w + r * shard_cols, gathered_.data() + (r * rows + i) * shard_cols,
                  static_cast<size_t>(shard_cols) * sizeof(float));
}

float* TensorParallelOps::ShardLogits(int64_t rows, int64_t shard_cols) {
  const size_t n = static_cast<size_t>(rows * shard_cols);
  if (shard_logits_.size() < n) shard_logits_.resize(n);
  return shard_logits_.data();
}

}  // namespace vllm
