// Megatron-style sharding of a Llama-family checkpoint at load time (issue 20 point 2).
//
// ShardConfig gives the config one rank's forward runs with (query heads, KV heads and the
// intermediate sizes divided by the world size); ShardingWeightSource sits between
// BindLlamaWeights (called with that shard config) and the real source (checkpoint or random
// weights, called with the full shapes, in the same order as a single-process load, so random
// weights are the same tensors), and cuts each tensor:
//   column-parallel (output rows split): q_proj by query heads, k/v_proj by KV heads (when
//     there are fewer KV heads than ranks, each rank keeps the one KV head its query heads
//     read: replicated), gate/up_proj and every expert's gate/up by intermediate rows.
//     A row range is a view (WeightMatrix::Rows), except stacked experts (one copy).
//   row-parallel (input columns split): o_proj, down_proj, every expert's down: a copy of
//     each row's column range. MLX-affine weights split along whole quantization groups (the
//     slice must start and end on a group); the Linear bias stays on rank 0 only, so the
//     all-reduce adds it once.
//   replicated: norms, the MoE router, the embedding (and the output projection here; the
//     model factory takes its vocabulary rows, see ShardOutputProjection).
// The full tensors stay in the arena (the loader builds whole tensors): a rank holds the
// model plus its column-sliced copies; loading only the shard is not done yet.
#pragma once

#include <string>

#include "model/model_config.h"
#include "model/weight_arena.h"
#include "model/weight_source.h"

namespace vllm {

struct ShardSpec {
  int rank = 0;
  int world_size = 1;
};

// The shard's config, or InvalidArgument naming the dimension that does not split.
Result<ModelConfig> ShardConfig(const ModelConfig& full, ShardSpec shard);

class ShardingWeightSource final : public WeightSource {
 public:
  // `inner` loads full tensors of `full` into `arena` (on `backend`, whose memory the host
  // reads: the CPU backend).
  ShardingWeightSource(WeightSource& inner, const ModelConfig& full, ShardSpec shard, WeightArena& arena)
      : inner_(inner), full_(full), shard_(shard), arena_(arena) {}

  Result<WeightMatrix> Matrix(const std::string& path, int64_t rows, int64_t cols, bool bias,
                              MatrixInit init = MatrixInit::kLinear) override;
  Result<WeightMatrix> StackedMatrix(const std::string& path, int64_t num, int64_t rows, int64_t cols) override;
  bool Has(const std::string& tensor) const override { return inner_.Has(tensor); }
  Result<const float*> Vector(const std::string& name, int64_t size, float dummy_value) override {
    return inner_.Vector(name, size, dummy_value);
  }

 private:
  WeightSource& inner_;
  const ModelConfig& full_;
  ShardSpec shard_;
  WeightArena& arena_;
};

// Columns [begin, begin + n) of every row of `w` as a new matrix in `arena` (host-readable
// memory). MLX-affine: begin and n must be multiples of the group size.
Result<WeightMatrix> CopyColumns(const WeightMatrix& w, int64_t begin, int64_t n, WeightArena& arena);

// This rank's vocabulary rows of the output projection, [vocab / world, hidden]; the
// vocabulary must split evenly.
WeightMatrix ShardOutputProjection(const WeightMatrix& full, ShardSpec shard);

}  // namespace vllm
