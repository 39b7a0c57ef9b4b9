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
  DummyWeightFactory(const ModelConfig& config, uint64_t seed, WeightArena& arena)
      : config_(config), seed_(seed), arena_(arena) {}

  // A factory that allocates and draws nothing: binding a layout through it only adds up the
  // bytes the weights would take (counted_bytes), so a model too large for the host is refused
  // before any memory is touched. Its matrices have no data and must never be used.
  struct CountOnly {};
  DummyWeightFactory(const ModelConfig& config, WeightArena& arena, CountOnly)
      : config_(config), seed_(0), arena_(arena), count_only_(true) {}
  size_t counted_bytes() const { return counted_bytes_; }

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
  // Counts the bytes; true when they must also be allocated and drawn.
  bool Allocates(size_t bytes) {
    counted_bytes_ += bytes;
    return !count_only_;
  }

  const ModelConfig& config_;
  uint64_t seed_;
  WeightArena& arena_;
  bool count_only_ = false;
  size_t counted_bytes_ = 0;
};

}  // namespace vllm
