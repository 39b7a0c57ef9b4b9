// Deterministic random weights built directly in the stored format of a config (dense dtype,
// or packed MLX affine codes + scales + biases), never as a float copy of the whole model.
// Magnitudes: each Linear's values are uniform in [-a, a] with a = sqrt(3 / in_features), so
// a unit-variance input gives unit-variance output; norms are 1. With pre-norm residual
// blocks this keeps activations O(sqrt(layers)) — finite in every layer.
#pragma once

#include <cstdint>
#include <string>

#include "model/model_config.h"
#include "model/weight_matrix.h"

namespace vllm {

class DummyWeightFactory {
 public:
  DummyWeightFactory(const ModelConfig& config, uint64_t seed) : config_(config), seed_(seed) {}

  // Quantized iff the config's quantization block applies to `path` (MLX would have
  // quantized it); otherwise dense in the config's torch_dtype.
  WeightMatrix Matrix(const std::string& path, int64_t rows, int64_t cols, bool bias,
                      float amplitude = 0.f /* 0: sqrt(3 / cols) */);
  AlignedBuffer Constant(int64_t n, float value);
  AlignedBuffer Constant16(int64_t n, uint16_t bits);  // n copies of a 16-bit pattern

 private:
  const ModelConfig& config_;
  uint64_t seed_;
};

}  // namespace vllm
