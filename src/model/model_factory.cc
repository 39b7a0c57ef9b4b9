// Builds a Model from a checkpoint directory or from random weights, dispatching on
// model_type once, at load (DESIGN.md §4).
#include <cmath>

#include "model/dummy_weights.h"
#include "model/llama.h"
#include "model/model.h"
#include "util/logging.h"

namespace vllm {

namespace {

Status CheckSupported(const ModelConfig& c) {
  if (IsArchitectureSupported(c.model_type)) return Status::Ok();
  return Unimplemented("architecture '" + c.model_type +
                       "' is not supported yet (supported: llama, qwen2, qwen3)");
}

LlamaWeights DummyLlamaWeights(const ModelConfig& c, uint64_t seed) {
  DummyWeightFactory f(c, seed);
  const int64_t H = c.hidden_size, I = c.intermediate_size, D = c.head_dim;
  const int64_t q_out = c.num_attention_heads * D, kv_out = c.num_key_value_heads * D;
  const bool qkv_bias = c.model_type == "qwen2" || c.attention_bias;
  LlamaWeights w;
  // Embedding rows of unit-ish scale; as the tied output projection this gives logits with
  // a standard deviation around sqrt(H/3): decisive greedy choices, nothing near overflow.
  w.embed_tokens = f.Matrix("model.embed_tokens", c.vocab_size, H, false, 1.0f);
  if (!c.tie_word_embeddings) w.lm_head = f.Matrix("lm_head", c.vocab_size, H, false);
  w.norm = f.Constant(H, 1.0f);
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    LlamaLayerWeights l;
    l.q_proj = f.Matrix(p + "self_attn.q_proj", q_out, H, qkv_bias);
    l.k_proj = f.Matrix(p + "self_attn.k_proj", kv_out, H, qkv_bias);
    l.v_proj = f.Matrix(p + "self_attn.v_proj", kv_out, H, qkv_bias);
    l.o_proj = f.Matrix(p + "self_attn.o_proj", H, q_out, c.attention_bias);
    l.gate_proj = f.Matrix(p + "mlp.gate_proj", I, H, c.mlp_bias);
    l.up_proj = f.Matrix(p + "mlp.up_proj", I, H, c.mlp_bias);
    l.down_proj = f.Matrix(p + "mlp.down_proj", H, I, c.mlp_bias);
    l.input_layernorm = f.Constant(H, 1.0f);
    l.post_attention_layernorm = f.Constant(H, 1.0f);
    if (c.qk_norm) {
      l.q_norm = f.Constant(D, 1.0f);
      l.k_norm = f.Constant(D, 1.0f);
    }
    w.layers.push_back(std::move(l));
  }
  return w;
}

}  // namespace

Result<std::unique_ptr<Model>> LoadModelFromDirectory(const std::string& dir, const ModelOptions& opts) {
  ASSIGN_OR_RETURN(ModelConfig config, LoadModelConfig(dir));
  RETURN_IF_ERROR(CheckSupported(config).WithContext(dir + "/config.json"));
  ASSIGN_OR_RETURN(WeightStore store, WeightStore::OpenDirectory(dir));
  WeightLoader loader(store, config);
  ASSIGN_OR_RETURN(LlamaWeights weights, LoadLlamaWeights(loader, config));
  for (const auto& name : loader.Unused()) {
    // mlx-lm's sanitize drops these; anything else unexpected is worth a warning.
    if (name.find("rotary_emb.inv_freq") != std::string::npos) continue;
    if (name == "lm_head.weight" && config.tie_word_embeddings) continue;
    LOG(WARNING) << "unused tensor '" << name << "' in " << store.FileOf(name);
  }
  return std::unique_ptr<Model>(new LlamaModel(std::move(config), std::move(weights), opts));
}

Result<std::unique_ptr<Model>> CreateDummyModel(const ModelConfig& config, const ModelOptions& opts,
                                                uint64_t seed) {
  RETURN_IF_ERROR(CheckSupported(config));
  RETURN_IF_ERROR(config.Validate());
  return std::unique_ptr<Model>(new LlamaModel(config, DummyLlamaWeights(config, seed), opts));
}

}  // namespace vllm
