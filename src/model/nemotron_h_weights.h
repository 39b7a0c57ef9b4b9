// nemotron_h's weights (MOE_HYBRID.md §2-3) as views into the model's arena, and the layout
// description that binds them from any WeightSource (checkpoint or dummy). Every layer is one
// mixer in a pre-norm residual, chosen by the layer's pattern character:
//   'M' MambaMixer, '*' AttentionMixer (no RoPE, no q/k norm), 'E' MoeMlp (sigmoid router,
//   relu2 experts, shared expert), '-' Relu2Mlp.
#pragma once

#include <optional>
#include <variant>
#include <vector>

#include "kernels/mamba.h"
#include "model/llama_weights.h"

namespace vllm {

// Mamba2: in_proj [I + conv_dim + H, hidden] -> z | xBC | dt_raw; conv over xBC; scan; gated
// grouped RMSNorm (weight [I]); out_proj [hidden, I]. params.A is filled by the model (-exp(A_log)).
struct MambaMixer {
  WeightMatrix in_proj, out_proj;
  MambaParams params;
  const float* A_log = nullptr;  // f32 [H] as stored
  const float* norm = nullptr;   // f32 [I]
};

struct Relu2Mlp {
  WeightMatrix up_proj, down_proj;  // [I, hidden], [hidden, I]
};

struct NemotronLayer {
  char kind = 'M';
  const float* norm = nullptr;  // f32 [hidden], the layer's input norm
  std::variant<MambaMixer, AttentionMixer, MoeMlp, Relu2Mlp> mixer;
};

struct NemotronHWeights {
  WeightMatrix embeddings;              // [vocab, hidden]
  std::optional<WeightMatrix> lm_head;  // absent when tied
  const float* norm_f = nullptr;        // f32 [hidden]
  std::vector<NemotronLayer> layers;
};

MambaShape MambaShapeOf(const ModelConfig& c);

// Binds every tensor of a nemotron_h model (backbone.*; mtp.* are not read).
Result<NemotronHWeights> BindNemotronHWeights(WeightSource& src, const ModelConfig& config);

}  // namespace vllm
