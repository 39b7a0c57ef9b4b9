// The llama family's weights (llama, qwen2, qwen3: MLX_FORMAT.md §B1-B3) as views into the
// model's arena, and the one layout description that binds them from any WeightSource
// (checkpoint or dummy). A layer is a token mixer and an MLP; each is a variant so that the
// MoE (a routed-experts MLP) and hybrid (a state-space mixer) architectures add an
// alternative instead of forking the layer.
#pragma once

#include <optional>
#include <variant>
#include <vector>

#include "kernels/moe.h"
#include "kernels/weight_matrix.h"
#include "model/model_config.h"
#include "model/weight_source.h"

namespace vllm {

struct AttentionMixer {
  WeightMatrix q_proj, k_proj, v_proj, o_proj;  // [nH*D, H], [nKV*D, H] x2, [H, nH*D]
  const float* q_norm = nullptr;                // f32 [D], qwen3 only
  const float* k_norm = nullptr;
};

struct DenseMlp {
  WeightMatrix gate_proj, up_proj, down_proj;  // [I, H], [I, H], [H, I]
};

// Routed experts (qwen3_moe, MOE_HYBRID.md §1): router `mlp.gate` [E, H] (8-bit in MLX
// checkpoints, a per-module override) and E SwiGLU experts of moe_intermediate_size I, each a
// view: gate/up [I, H] and down [H, I] are Rows() of the stacked `mlp.switch_mlp.*` tensors
// [E*I, H] / [E*H, I] (or, in the HF layout, the separate `mlp.experts.N.*` tensors).
struct MoeMlp {
  WeightMatrix router;
  std::vector<ExpertMlp> experts;
  std::optional<ExpertMlp> shared;  // nemotron_h: every token also passes through it
  RouterParams routing;
  ExpertActivation activation = ExpertActivation::kSwiGlu;
};

struct DecoderLayer {
  const float* input_layernorm = nullptr;           // f32 [H]
  const float* post_attention_layernorm = nullptr;  // f32 [H]
  std::variant<AttentionMixer> mixer;  // + state-space mixers (hybrid models)
  std::variant<DenseMlp, MoeMlp> mlp;  // MoeMlp where config.IsSparseLayer(i)
};

struct LlamaWeights {
  WeightMatrix embed_tokens;            // [vocab, H]
  std::optional<WeightMatrix> lm_head;  // [vocab, H]; absent when tied: logits use embed_tokens
  const float* norm = nullptr;          // f32 [H]
  std::vector<DecoderLayer> layers;
};

// Binds every tensor of a llama/qwen2/qwen3/qwen3_moe model.
Result<LlamaWeights> BindLlamaWeights(WeightSource& src, const ModelConfig& config);

}  // namespace vllm
