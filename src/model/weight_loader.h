// Binds checkpoint tensors to WeightMatrix / norm vectors with shape and dtype checks.
// A module is quantized exactly when `<path>.scales` exists (MLX_FORMAT.md §A5); its bits
// and group size come from the config's per-module override or the top-level block.
// Every error names the tensor and the file it came from.
#pragma once

#include <set>
#include <string>

#include "io/weight_store.h"
#include "model/model_config.h"
#include "model/weight_matrix.h"
#include "util/aligned_buffer.h"

namespace vllm {

class WeightLoader {
 public:
  WeightLoader(const WeightStore& store, const ModelConfig& config) : store_(store), config_(config) {}

  // Linear or Embedding at `path` with logical shape [rows, cols]; `bias` says whether a
  // `<path>.bias` of shape [rows] must exist.
  Result<WeightMatrix> Matrix(const std::string& path, int64_t rows, int64_t cols, bool bias);
  // A 1-D float vector (norm weights) widened to f32.
  Result<AlignedBuffer> Vector(const std::string& name, int64_t size);

  // Tensors present in the checkpoint that no module consumed.
  std::set<std::string> Unused() const;

 private:
  Result<const TensorView*> Get(const std::string& name);
  Status CheckShape(const TensorView& t, std::initializer_list<int64_t> shape);
  Result<AlignedBuffer> ToF32(const TensorView& t);

  const WeightStore& store_;
  const ModelConfig& config_;
  std::set<std::string> used_;
};

}  // namespace vllm
