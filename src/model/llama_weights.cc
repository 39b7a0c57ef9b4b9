#include "model/llama_weights.h"

namespace vllm {

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
    DenseMlp m;
    ASSIGN_OR_RETURN(m.gate_proj, src.Matrix(p + "mlp.gate_proj", I, H, c.mlp_bias));
    ASSIGN_OR_RETURN(m.up_proj, src.Matrix(p + "mlp.up_proj", I, H, c.mlp_bias));
    ASSIGN_OR_RETURN(m.down_proj, src.Matrix(p + "mlp.down_proj", H, I, c.mlp_bias));
    l.mlp = m;
    ASSIGN_OR_RETURN(l.input_layernorm, src.Vector(p + "input_layernorm.weight", H, 1.0f));
    ASSIGN_OR_RETURN(l.post_attention_layernorm, src.Vector(p + "post_attention_layernorm.weight", H, 1.0f));
    w.layers.push_back(std::move(l));
  }
  return w;
}

}  // namespace vllm
