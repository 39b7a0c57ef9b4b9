#include "model/llama_weights.h"

namespace vllm {

namespace {

// The experts of one sparse layer: stacked (MLX `switch_mlp.*`, [E, out, in]; dummy weights)
// unless the checkpoint has only per-expert tensors (HF `experts.N.*`).
Result<MoeMlp> BindMoe(WeightSource& src, const ModelConfig& c, const std::string& p) {
  const int64_t H = c.hidden_size, I = c.moe_intermediate_size, E = c.num_experts;
  MoeMlp m;
  m.routing = RouterParams{.scoring = RouterScoring::kSoftmax,
                           .num_experts = E,
                           .top_k = c.num_experts_per_tok,
                           .norm_topk_prob = c.norm_topk_prob};
  ASSIGN_OR_RETURN(m.router, src.Matrix(p + "mlp.gate", E, H, false));
  const std::string sw = p + "mlp.switch_mlp.";
  const bool per_expert = !src.Has(sw + "gate_proj.weight") && !src.Has(sw + "up_proj.weight") &&
                          !src.Has(sw + "down_proj.weight") && src.Has(p + "mlp.experts.0.gate_proj.weight");
  m.experts.resize(static_cast<size_t>(E));
  if (per_expert) {
    for (int64_t e = 0; e < E; ++e) {
      const std::string q = p + "mlp.experts." + std::to_string(e) + ".";
      ExpertMlp& x = m.experts[e];
      ASSIGN_OR_RETURN(x.gate, src.Matrix(q + "gate_proj", I, H, false));
      ASSIGN_OR_RETURN(x.up, src.Matrix(q + "up_proj", I, H, false));
      ASSIGN_OR_RETURN(x.down, src.Matrix(q + "down_proj", H, I, false));
    }
    return m;
  }
  ASSIGN_OR_RETURN(WeightMatrix gate, src.StackedMatrix(sw + "gate_proj", E, I, H));
  ASSIGN_OR_RETURN(WeightMatrix up, src.StackedMatrix(sw + "up_proj", E, I, H));
  ASSIGN_OR_RETURN(WeightMatrix down, src.StackedMatrix(sw + "down_proj", E, H, I));
  for (int64_t e = 0; e < E; ++e)
    m.experts[e] = ExpertMlp{.gate = gate.Rows(e * I, I), .up = up.Rows(e * I, I), .down = down.Rows(e * H, H)};
  return m;
}

}  // namespace

Result<LlamaWeights> BindLlamaWeights(WeightSource& src, const ModelConfig& c) {
  const int64_t H = c.hidden_size, I = c.intermediate_size, D = c.head_dim;
  const int64_t q_out = c.num_attention_heads * D, kv_out = c.num_key_value_heads * D;
  const bool qkv_bias = c.model_type == "qwen2" || c.attention_bias;
  LlamaWeights w;
  ASSIGN_OR_RETURN(w.embed_tokens, src.Matrix("model.embed_tokens", c.vocab_size, H, false, MatrixInit::kEmbedding));
  if (!c.tie_word_embeddings) {
    ASSIGN_OR_RETURN(WeightMatrix head, src.Matrix("lm_head", c.vocab_size, H, false));
    w.lm_head = head;
  }
  ASSIGN_OR_RETURN(w.norm, src.Vector("model.norm.weight", H, 1.0f));
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    DecoderLayer l;
    AttentionMixer a;
    ASSIGN_OR_RETURN(a.q_proj, src.Matrix(p + "self_attn.q_proj", q_out, H, qkv_bias));
    ASSIGN_OR_RETURN(a.k_proj, src.Matrix(p + "self_attn.k_proj", kv_out, H, qkv_bias));
    ASSIGN_OR_RETURN(a.v_proj, src.Matrix(p + "self_attn.v_proj", kv_out, H, qkv_bias));
    ASSIGN_OR_RETURN(a.o_proj, src.Matrix(p + "self_attn.o_proj", H, q_out, c.attention_bias));
    if (c.qk_norm) {
      ASSIGN_OR_RETURN(a.q_norm, src.Vector(p + "self_attn.q_norm.weight", D, 1.0f));
      ASSIGN_OR_RETURN(a.k_norm, src.Vector(p + "self_attn.k_norm.weight", D, 1.0f));
    }
    l.mixer = a;
    if (c.IsSparseLayer(i)) {
      ASSIGN_OR_RETURN(MoeMlp moe, BindMoe(src, c, p));
      l.mlp = std::move(moe);
    } else {
      DenseMlp m;
      ASSIGN_OR_RETURN(m.gate_proj, src.Matrix(p + "mlp.gate_proj", I, H, c.mlp_bias));
      ASSIGN_OR_RETURN(m.up_proj, src.Matrix(p + "mlp.up_proj", I, H, c.mlp_bias));
      ASSIGN_OR_RETURN(m.down_proj, src.Matrix(p + "mlp.down_proj", H, I, c.mlp_bias));
      l.mlp = m;
    }
    ASSIGN_OR_RETURN(l.input_layernorm, src.Vector(p + "input_layernorm.weight", H, 1.0f));
    ASSIGN_OR_RETURN(l.post_attention_layernorm, src.Vector(p + "post_attention_layernorm.weight", H, 1.0f));
    w.layers.push_back(std::move(l));
  }
  return w;
}

}  // namespace vllm
