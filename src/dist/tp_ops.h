// TensorParallelOps: the collectives one rank's shard of a Llama-family forward adds to the
// single-process forward (Megatron-style, tensor_parallel.md in docs/ARCHITECTURE.md):
//   after o_proj and after the MLP's down projection (row-parallel: each rank holds a slice of
//   the input columns, so its product is a partial sum) -> AllReduceSum of [T, hidden];
//   the output projection (vocabulary-parallel: each rank holds vocab/world rows) -> each rank
//   computes logits [S, vocab/world], AllGatherVocab lays the shards side by side [S, vocab].
// Host buffers (the CPU backend); the model calls these only when it holds a shard.
#pragma once

#include <cstdint>
#include <vector>

#include "dist/communicator.h"

namespace vllm {

class TensorParallelOps {
 public:
  // vocab_parallel: the output projection holds rows [rank * vocab/world, ...) (false when the
  // vocabulary does not split evenly: every rank then holds the whole projection).
  TensorParallelOps(Communicator& comm, bool vocab_parallel) : comm_(&comm), vocab_parallel_(vocab_parallel) {}

  int rank() const { return comm_->rank(); }
  int world_size() const { return comm_->world_size(); }
  bool vocab_parallel() const { return vocab_parallel_; }

  void AllReduceSum(float* data, int64_t n) { comm_->AllReduceSum(data, n); }

  // shard [rows, shard_cols] on every rank -> out [rows, shard_cols * world] with rank r's
  // shard in columns [r * shard_cols, (r + 1) * shard_cols).
  void AllGatherVocab(const float* shard, int64_t rows, int64_t shard_cols, float* out);

  // Host scratch for this rank's logits shard, [rows, shard_cols], reused step to step.
  float* ShardLogits(int64_t rows, int64_t shard_cols);

 private:
  Communicator* comm_;
  bool vocab_parallel_;
  std::vector<float> shard_logits_, gathered_;
};

}  // namespace vllm
