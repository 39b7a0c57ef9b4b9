// Deterministic random weights built directly in the stored format of a config (dense dtype,
// or packed MLX affine codes + scales + biases), never as a float copy of the whole model.
// Magnitudes: each Linear's values are uniform in [-a, a] with a = sqrt(3 / in_features), so
// a unit-variance input gives unit-variance output; norms are 1. With pre-norm residual
// blocks this keeps activations O(sqrt(layers)) — finite in every layer.
#pragma once

#include <cstdint>
#include <string>

#include "kernels/device_buffer.h"
#include "model/model_config.h"
#include "model/weight_arena.h"
#include "model/weight_source.h"

namespace vllm {

class DummyWeightFactory final : public WeightSource {
 public:
  // budget_bytes > 0: binding fails (ResourceExhausted, one line) once the weights would pass
  // it, before the machine runs out of memory (a full-size preset on a small host).
  DummyWeightFactory(const ModelConfig& config, uint64_t seed, WeightArena& arena, size_t budget_bytes = 0)
      : config_(config), seed_(seed), arena_(arena), budget_bytes_(budget_bytes) {}

  // Quantized iff the config's quantization block applies to `path` (MLX would have
  // quantized it); otherwise dense in the config's torch_dtype. Values depend only on the
  // seed and the path.
  Result<WeightMatrix> Matrix(const std::string& path, int64_t rows, int64_t cols, bool bias,
                              MatrixInit init = MatrixInit::kLinear) override;
  Result<const float*> Vector(const std::string& name, int64_t size, float dummy_value) override;
  Result<const float*> FloatTensor(const std::string& name, const std::vector<std::vector<int64_t>>& shapes,
                                   FloatInit init) override;

 private:
  BufferView Constant16(int64_t n, uint16_t bits);  // n copies of a 16-bit pattern
  Status Reserve(const std::string& path, size_t bytes);  // against budget_bytes_

  const ModelConfig& config_;
  uint64_t seed_;
  WeightArena& arena_;
  size_t budget_bytes_ = 0;
};

}  // namespace vllm
