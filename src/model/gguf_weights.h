// WeightSource over a GGUF model: the layout descriptions' HF module paths
// ("model.layers.3.self_attn.q_proj") become GGUF tensor names ("blk.3.attn_q.weight"); each
// matrix keeps its stored format (F32/F16/BF16 dense, or a block format: util/block_quant.h),
// checked against the shape [rows, cols] (GGUF ne = {cols, rows}) and against what the backend
// reads (Backend::SupportsWeight). llama-architecture files store Q and K with rows permuted
// for GGML's interleaved RoPE; they are permuted back to the half-split layout the kernels use.
#pragma once

#include <set>
#include <string>

#include "io/gguf.h"
#include "kernels/backend.h"
#include "model/model_config.h"
#include "model/weight_arena.h"
#include "model/weight_source.h"

namespace vllm {

class GgufWeightSource final : public WeightSource {
 public:
  GgufWeightSource(const GgufModel& gguf, const ModelConfig& config, const Backend& backend, WeightArena& arena)
      : gguf_(gguf), config_(config), backend_(backend), arena_(arena) {}

  Result<WeightMatrix> Matrix(const std::string& path, int64_t rows, int64_t cols, bool bias,
                              MatrixInit init = MatrixInit::kLinear) override;
  bool Has(const std::string& tensor) const override;
  Result<const float*> Vector(const std::string& name, int64_t size, float dummy_value) override;

  // GGUF tensors no module consumed.
  std::set<std::string> Unused() const;
  // The GGUF name of an HF module path or tensor name ("" when it has none).
  std::string GgufName(const std::string& hf) const;

 private:
  Result<const GgufTensor*> Get(const std::string& hf_name);

  const GgufModel& gguf_;
  const ModelConfig& config_;
  const Backend& backend_;
  WeightArena& arena_;
  std::set<std::string> used_;
};

}  // namespace vllm
