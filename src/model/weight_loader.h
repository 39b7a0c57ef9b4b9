// Binds checkpoint tensors to WeightMatrix / norm vectors with shape and dtype checks.
// A module is quantized exactly when `<path>.scales` exists (MLX_FORMAT.md §A5); its bits
// and group size come from the config's per-module override or the top-level block.
// Every error names the tensor and the file it came from.
//
// Checkpoints saved from the bare backbone (the official Qwen3-Embedding ones: embed_tokens.weight,
// layers.N.*, norm.weight, no lm_head) lack the `model.` prefix the architectures ask for; such a
// checkpoint is recognized once (embed_tokens.weight without model.embed_tokens.weight) and every
// `model.X` lookup reads `X`.
#pragma once

#include <set>
#include <string>

#include "io/weight_store.h"
#include "kernels/device_buffer.h"
#include "model/model_config.h"
#include "model/weight_arena.h"
#include "model/weight_source.h"

namespace vllm {

class WeightLoader final : public WeightSource {
 public:
  WeightLoader(const WeightStore& store, const ModelConfig& config, WeightArena& arena)
      : store_(store), config_(config), arena_(arena),
        bare_backbone_(!store.Has("model.embed_tokens.weight") && store.Has("embed_tokens.weight")) {}

  Result<WeightMatrix> Matrix(const std::string& path, int64_t rows, int64_t cols, bool bias,
                              MatrixInit init = MatrixInit::kLinear) override;
  Result<WeightMatrix> StackedMatrix(const std::string& path, int64_t num, int64_t rows,
                                     int64_t cols) override;
  bool Has(const std::string& tensor) const override { return store_.Has(Stored(tensor)); }
  // Widened to f32 (norm weights are stored bf16/f16/f32).
  Result<const float*> Vector(const std::string& name, int64_t size, float dummy_value) override;
  Result<const float*> FloatTensor(const std::string& name, const std::vector<std::vector<int64_t>>& shapes,
                                   FloatInit init) override;

  // Tensors present in the checkpoint that no module consumed.
  std::set<std::string> Unused() const;

 private:
  // The checkpoint's name for the architecture's tensor or module path `name`.
  std::string Stored(const std::string& name) const;
  Result<const TensorView*> Get(const std::string& name);
  Status CheckShape(const TensorView& t, std::vector<int64_t> shape);
  // A [lead..., rows, cols] tensor (lead = {} for a Linear, {E} for stacked experts) as one
  // [prod(lead)*rows, cols] matrix.
  Result<WeightMatrix> Bind(const std::string& path, const std::vector<int64_t>& lead, int64_t rows,
                            int64_t cols, bool bias);
  Result<DeviceBuffer> ToF32(const TensorView& t);
  BufferView Copy(const TensorView& t);  // stored bytes as they are, into the arena

  const WeightStore& store_;
  const ModelConfig& config_;
  WeightArena& arena_;
  const bool bare_backbone_;
  std::set<std::string> used_;
};

}  // namespace vllm
