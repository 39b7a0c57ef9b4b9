// The llama family's weights (llama, qwen2, qwen3: MLX_FORMAT.md §B1-B3) as views into the
// model's arena, and the one layout description that binds them from any WeightSource
// (checkpoint or dummy). A layer is a token mixer and an MLP; each is a variant so that the
// MoE (a routed-experts MLP) and hybrid (a state-space mixer) architectures add an
// alternative instead of forking the layer.
#pragma once

#include <optional>
#include <variant>
#include <vector>

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

struct DecoderLayer {
  const float* input_layernorm = nullptr;           // f32 [H]
  const float* post_attention_layernorm = nullptr;  // f32 [H]
  std::variant<AttentionMixer> mixer;  // + state-space mixers (hybrid models)
  std::variant<DenseMlp> mlp;          // + routed experts (MoE models)
};

struct LlamaWeights {
  WeightMatrix embed_tokens;            // [vocab, H]
  std::optional<WeightMatrix> lm_head;  // [vocab, H]; absent when tied: logits use embed_tokens
  const float* norm = nullptr;          // f32 [H]
  std::vector<DecoderLayer> layers;
};

// Binds every tensor of a llama/qwen2/qwen3 model.
Result<LlamaWeights> BindLlamaWeights(WeightSource& src, const ModelConfig& config);

}  // namespace vllm
