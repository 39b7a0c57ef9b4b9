// WeightSource: where a model's tensors come from, behind one interface so that one layout
// description per architecture (e.g. BindLlamaWeights) serves both a checkpoint
// (WeightLoader: safetensors, shape and dtype checked) and `--load-format dummy`
// (DummyWeightFactory: random values in the stored format the config implies).
// Every tensor lands in the arena given at construction, on the backend's device.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/weight_matrix.h"
#include "util/status.h"

namespace vllm {

// How random weights for a matrix are drawn (checkpoints ignore it).
enum class MatrixInit {
  kLinear,     // uniform in +-sqrt(3 / cols): unit-variance in, unit-variance out
  kEmbedding,  // uniform in +-1: as the tied output projection, decisive logits
  kFloat,      // as kLinear, but never quantized (nemotron_h's router: a bare weight in MLX)
};

// How random values of a small float tensor are drawn (checkpoints ignore it). Mamba2's need
// HF's stable initialisation (MOE_HYBRID.md §6): A_log = log(U[1, 16]), dt_bias =
// softplus^-1(U[0.001, 0.1]), conv weights uniform.
struct FloatInit {
  enum class Kind { kConstant, kUniform, kLogUniform, kSoftplusInverseUniform };
  Kind kind = Kind::kConstant;
  float lo = 1.0f, hi = 1.0f;  // kConstant: lo
};

class WeightSource {
 public:
  virtual ~WeightSource() = default;
  // Linear or Embedding at `path` with logical shape [rows, cols] (dense or MLX-quantized, as
  // stored); `bias` says whether `<path>.bias` [rows] exists.
  virtual Result<WeightMatrix> Matrix(const std::string& path, int64_t rows, int64_t cols, bool bias,
                                      MatrixInit init = MatrixInit::kLinear) = 0;
  // `num` matrices [rows, cols] stored as one stacked tensor [num, rows, cols] (a MoE layer's
  // experts, MLX `switch_mlp.*`), bound as one [num*rows, cols] matrix: matrix i is then
  // Rows(i*rows, rows), a view. Never biased.
  virtual Result<WeightMatrix> StackedMatrix(const std::string& path, int64_t num, int64_t rows,
                                             int64_t cols) {
    return Matrix(path, num * rows, cols, false);
  }
  // Whether the tensor exists (a checkpoint's layout choice, e.g. stacked vs per-expert);
  // random weights have no layout and answer false.
  virtual bool Has(const std::string& /*tensor*/) const { return false; }
  // A 1-D float vector (norm weights) as f32 [size]; random weights use `dummy_value`.
  virtual Result<const float*> Vector(const std::string& name, int64_t size, float dummy_value) = 0;
  // A float tensor stored in any of `shapes` (layouts equal in memory, e.g. conv1d [C, K, 1] or
  // [C, 1, K]) as f32, numel(shapes[0]) values, whatever its stored float dtype. Only the
  // hybrid (Mamba) layouts ask; sources that cannot hold them (GGUF, TP shards) say so.
  virtual Result<const float*> FloatTensor(const std::string& name, const std::vector<std::vector<int64_t>>& /*shapes*/,
                                           FloatInit /*init*/) {
    return Unimplemented("tensor '" + name + "': this weight source does not read state-space (Mamba) tensors");
  }
};

}  // namespace vllm
