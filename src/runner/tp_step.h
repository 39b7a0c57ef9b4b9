// Tensor-parallel step distribution (issue 20 point 1): rank 0 runs the engine, the scheduler
// and the sampler; every other rank runs only its shard of the forward. Each step, rank 0's
// TpLeaderModel broadcasts the step's batch (the BatchView's arrays and the KV cache geometry)
// before running its own shard; RunTpWorker receives it and runs the same Forward, so the
// collectives inside the forward pair up across ranks.
//
//   rank 0:  engine -> runner -> TpLeaderModel::Forward: Broadcast(step) ; shard Forward
//   rank r:  RunTpWorker: loop { Broadcast(step) ; shard Forward } until the stop message
//
// A worker's KV cache mirrors rank 0's block ids: every step carries the block size, dtype
// and the highest block id it touches, and the worker grows its own cache (its KV heads) to
// cover it, keeping the blocks it holds (grown in steps of 64 blocks; a new block size or
// dtype starts a new cache). CPU backend only (the staged BatchView points into host memory).
#pragma once

#include <memory>

#include "dist/communicator.h"
#include "model/model.h"

namespace vllm {

// Rank 0's view of the sharded model: the full config (the shard's own config has divided
// heads); Forward broadcasts, then computes; destruction tells the workers to stop.
class TpLeaderModel final : public Model {
 public:
  TpLeaderModel(std::unique_ptr<Model> shard, ModelConfig full, Communicator& comm);
  ~TpLeaderModel() override;

  const ModelConfig& config() const override { return full_; }
  int64_t max_num_tokens() const override { return shard_->max_num_tokens(); }
  Backend& backend() override { return shard_->backend(); }
  void Forward(const BatchView& batch, std::span<const KvLayer> kv, StateLayers state, float* logits) override;
  const float* LastHidden() const override { return shard_->LastHidden(); }
  size_t WeightBytes() const override { return shard_->WeightBytes(); }
  KvCacheSpec MakeKvSpec(int64_t block_size, int64_t num_blocks, DType dtype) const override {
    return shard_->MakeKvSpec(block_size, num_blocks, dtype);
  }

 private:
  std::unique_ptr<Model> shard_;
  ModelConfig full_;
  Communicator& comm_;
};

// Ranks other than 0: serves rank 0's steps until it stops (returns then).
void RunTpWorker(Model& shard, Communicator& comm);


}  // namespace vllm
