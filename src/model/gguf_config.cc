#include "model/gguf_config.h"

namespace vllm {

namespace {

// Optional integer / float keys: absent -> keep *out; present with the wrong type -> error.
Status OptInt(const GgufFile& f, const std::string& key, int64_t* out) {
  if (!f.Find(key)) return Status::Ok();
  ASSIGN_OR_RETURN(*out, f.Int(key));
  return Status::Ok();
}
Status OptFloat(const GgufFile& f, const std::string& key, double* out) {
  if (!f.Find(key)) return Status::Ok();
  ASSIGN_OR_RETURN(*out, f.Float(key));
  return Status::Ok();
}

}  // namespace

Result<ModelConfig> ModelConfigFromGguf(const GgufModel& gguf) {
  const GgufFile& f = gguf.first();
  ASSIGN_OR_RETURN(std::string arch, f.String("general.architecture"));
  if (arch != "llama" && arch != "qwen2" && arch != "qwen3" && arch != "gemma3")
    return Unimplemented(f.path() + ": architecture '" + arch +
                         "' (GGUF general.architecture) is not supported (supported: llama, qwen2, qwen3, gemma3)");
  const std::string a = arch + ".";
  ModelConfig c;
  c.model_type = arch;
  ASSIGN_OR_RETURN(c.hidden_size, f.Int(a + "embedding_length"));
  ASSIGN_OR_RETURN(c.intermediate_size, f.Int(a + "feed_forward_length"));
  ASSIGN_OR_RETURN(c.num_hidden_layers, f.Int(a + "block_count"));
  ASSIGN_OR_RETURN(c.num_attention_heads, f.Int(a + "attention.head_count"));
  c.num_key_value_heads = c.num_attention_heads;
  RETURN_IF_ERROR(OptInt(f, a + "attention.head_count_kv", &c.num_key_value_heads));
  c.head_dim = c.num_attention_heads > 0 ? c.hidden_size / c.num_attention_heads : 0;
  RETURN_IF_ERROR(OptInt(f, a + "attention.key_length", &c.head_dim));
  int64_t value_length = c.head_dim;
  RETURN_IF_ERROR(OptInt(f, a + "attention.value_length", &value_length));
  if (value_length != c.head_dim)
    return Unimplemented(f.path() + ": attention.value_length " + std::to_string(value_length) +
                         " differs from key_length " + std::to_string(c.head_dim));
  c.max_position_embeddings = 4096;
  RETURN_IF_ERROR(OptInt(f, a + "context_length", &c.max_position_embeddings));
  c.rms_norm_eps = 1e-6;
  RETURN_IF_ERROR(OptFloat(f, a + "attention.layer_norm_rms_epsilon", &c.rms_norm_eps));
  c.rope.theta = 10000.0;
  RETURN_IF_ERROR(OptFloat(f, a + "rope.freq_base", &c.rope.theta));
  if (f.Find(a + "rope.scaling.type")) {
    ASSIGN_OR_RETURN(std::string type, f.String(a + "rope.scaling.type"));
    if (type == "linear") {
      c.rope.type = RopeType::kLinear;
      RETURN_IF_ERROR(OptFloat(f, a + "rope.scaling.factor", &c.rope.factor));
    } else if (type != "none") {
      return Unimplemented(f.path() + ": rope.scaling.type '" + type + "' is not supported (none, linear)");
    }
  }
  if (const GgufValue* tokens = f.Find("tokenizer.ggml.tokens"); tokens && tokens->type == GgufType::kArray)
    c.vocab_size = static_cast<int64_t>(tokens->ArraySize());
  if (const GgufTensor* emb = gguf.Find("token_embd.weight"); emb && emb->ne.size() == 2) {
    if (c.vocab_size == 0) c.vocab_size = emb->ne[1];
  }
  RETURN_IF_ERROR(OptInt(f, a + "vocab_size", &c.vocab_size));
  c.tie_word_embeddings = gguf.Find("output.weight") == nullptr;
  c.qk_norm = arch == "qwen3" || arch == "gemma3";
  c.attention_bias = false;  // qwen2's q/k/v biases follow from the model type
  c.torch_dtype = "float32";
  if (const GgufValue* v = f.Find("tokenizer.ggml.bos_token_id"); v && v->IsInteger())
    c.bos_token_id = static_cast<int32_t>(v->i);
  if (const GgufValue* v = f.Find("tokenizer.ggml.eos_token_id"); v && v->IsInteger())
    c.eos_token_ids.push_back(static_cast<int32_t>(v->i));
  if (const GgufValue* v = f.Find("tokenizer.ggml.eot_token_id"); v && v->IsInteger() &&
      (c.eos_token_ids.empty() || c.eos_token_ids[0] != v->i))
    c.eos_token_ids.push_back(static_cast<int32_t>(v->i));
  if (arch == "gemma3") {
    // llama.cpp's gemma3: every 6th layer global, local layers RoPE base 10000 unscaled, the
    // query scale head_dim^-0.5 (the 270M..12B configs' query_pre_attn_scalar = head_dim).
    RETURN_IF_ERROR(OptInt(f, a + "attention.sliding_window", &c.sliding_window));
    c.sliding_layers.resize(static_cast<size_t>(std::max<int64_t>(c.num_hidden_layers, 0)));
    for (int64_t i = 0; i < c.num_hidden_layers; ++i) c.sliding_layers[i] = c.sliding_window > 0 && (i + 1) % 6 != 0;
    c.rope_local_theta = 10000.0;
    c.query_pre_attn_scalar = static_cast<double>(c.head_dim);
    // <end_of_turn> ends a chat turn as EOS does (Gemma's generation_config lists both).
    if (const GgufValue* tokens = f.Find("tokenizer.ggml.tokens"); tokens && tokens->type == GgufType::kArray)
      for (size_t i = 0; i < tokens->strings.size(); ++i)
        if (tokens->strings[i] == "<end_of_turn>") c.eos_token_ids.push_back(static_cast<int32_t>(i));
  }
  RETURN_IF_ERROR(c.Validate().WithContext(f.path()));
  return c;
}

}  // namespace vllm
