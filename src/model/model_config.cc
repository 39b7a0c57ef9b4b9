#include "model/model_config.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <cstring>
#include <limits>
#include <sstream>

namespace vllm {

using nlohmann::json;

std::optional<QuantParams> QuantizationConfig::ForModule(const std::string& path) const {
  auto it = overrides.find(path);
  if (it != overrides.end()) return it->second;
  return defaults;
}

bool IsArchitectureSupported(const std::string& t) {
  return t == "llama" || t == "qwen2" || t == "qwen3" || t == "qwen3_moe" || t == "gemma3" || t == "nemotron_h";
}

int64_t ModelConfig::NumLayersOfKind(char kind) const {
  int64_t n = 0;
  for (char c : layer_pattern) n += c == kind;
  return n;
}

bool ModelConfig::IsSparseLayer(int64_t i) const {
  if (IsHybrid()) return i >= 0 && i < static_cast<int64_t>(layer_pattern.size()) && layer_pattern[i] == 'E';
  if (num_experts <= 0 || decoder_sparse_step <= 0) return false;
  for (int64_t d : mlp_only_layers)
    if (d == i) return false;
  return (i + 1) % decoder_sparse_step == 0;
}

Result<json> ParseLenientJson(const std::string& text, const std::string& label) {
  // Rewrite NaN/Infinity tokens that appear outside strings; leave everything else alone.
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size()) out += text[++i];
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    auto match = [&](const char* tok) { return text.compare(i, std::strlen(tok), tok) == 0; };
    if (match("-Infinity")) {
      out += "-1.7976931348623157e308";
      i += 8;
    } else if (match("Infinity")) {
      out += "1.7976931348623157e308";
      i += 7;
    } else if (match("NaN")) {
      out += "null";
      i += 2;
    } else {
      out += c;
    }
  }
  json j = json::parse(out, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return DataLoss(label + ": not valid JSON");
  return j;
}

namespace {

// Typed field readers: a present field of the wrong type is an error naming the field.
template <typename T>
Status Read(const json& j, const char* key, T* out, const std::string& label) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Status::Ok();
  if constexpr (std::is_same_v<T, bool>) {
    if (!it->is_boolean()) return InvalidArgument(label + ": '" + key + "' must be a boolean");
  } else if constexpr (std::is_integral_v<T>) {
    if (!it->is_number_integer()) return InvalidArgument(label + ": '" + key + "' must be an integer");
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!it->is_number()) return InvalidArgument(label + ": '" + key + "' must be a number");
  } else {
    if (!it->is_string()) return InvalidArgument(label + ": '" + key + "' must be a string");
  }
  *out = it->get<T>();
  return Status::Ok();
}

Status ReadIds(const json& j, const char* key, std::vector<int32_t>* out, const std::string& label) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Status::Ok();
  out->clear();
  if (it->is_number_integer()) {
    out->push_back(it->get<int32_t>());
    return Status::Ok();
  }
  if (!it->is_array()) return InvalidArgument(label + ": '" + key + "' must be an integer or a list");
  for (const auto& v : *it) {
    if (!v.is_number_integer()) return InvalidArgument(label + ": '" + key + "' has a non-integer");
    out->push_back(v.get<int32_t>());
  }
  return Status::Ok();
}

Result<QuantParams> ParseQuantParams(const json& j, const QuantParams& base, const std::string& what) {
  QuantParams q = base;
  RETURN_IF_ERROR(Read(j, "group_size", &q.group_size, what));
  RETURN_IF_ERROR(Read(j, "bits", &q.bits, what));
  RETURN_IF_ERROR(Read(j, "mode", &q.mode, what));
  if (q.mode != "affine")
    return Unimplemented(what + ": quantization mode '" + q.mode + "' is not supported yet (affine only)");
  if (q.group_size != 32 && q.group_size != 64 && q.group_size != 128)
    return InvalidArgument(what + ": group_size " + std::to_string(q.group_size) + " (need 32, 64 or 128)");
  if (q.bits < 2 || q.bits > 8 || q.bits == 7)
    return InvalidArgument(what + ": bits " + std::to_string(q.bits) + " (need 2, 3, 4, 5, 6 or 8)");
  return q;
}

Status ParseQuantization(const json& root, QuantizationConfig* qc, const std::string& label) {
  const json* block = nullptr;
  if (auto it = root.find("quantization"); it != root.end() && it->is_object()) block = &*it;
  else if (auto it2 = root.find("quantization_config"); it2 != root.end() && it2->is_object()) {
    if (it2->contains("quant_method"))
      return Unimplemented(label + ": quantization_config.quant_method '" +
                           (*it2)["quant_method"].dump() + "' is not supported yet (MLX affine only)");
    block = &*it2;
  }
  if (!block) return Status::Ok();
  ASSIGN_OR_RETURN(QuantParams defaults, ParseQuantParams(*block, QuantParams{}, label + ": quantization"));
  qc->defaults = defaults;
  for (auto it = block->begin(); it != block->end(); ++it) {
    if (it->is_boolean()) {
      if (it->get<bool>()) qc->overrides[it.key()] = defaults;
      else qc->overrides[it.key()] = std::nullopt;
    } else if (it->is_object()) {
      ASSIGN_OR_RETURN(QuantParams p, ParseQuantParams(*it, QuantParams{},
                                                       label + ": quantization['" + it.key() + "']"));
      qc->overrides[it.key()] = p;
    }
  }
  return Status::Ok();
}

Status ParseRope(const json& j, const std::string& type, ModelConfig* c, const std::string& label) {
  RopeConfig& r = c->rope;
  r.theta = type == "qwen2" ? 1e6 : 10000.0;
  const json* params = nullptr;
  if (auto it = j.find("rope_parameters"); it != j.end() && it->is_object()) params = &*it;
  RETURN_IF_ERROR(Read(j, "rope_theta", &r.theta, label));
  if (params) RETURN_IF_ERROR(Read(*params, "rope_theta", &r.theta, label + ": rope_parameters"));
  RETURN_IF_ERROR(Read(j, "rope_traditional", &r.traditional, label));
  const json* scaling = nullptr;
  if (auto it = j.find("rope_scaling"); it != j.end() && it->is_object()) scaling = &*it;
  else if (params) scaling = params;
  if (!scaling || type == "qwen3_moe") return Status::Ok();  // qwen3_moe ignores rope_scaling
  std::string kind = "default";
  std::string what = label + ": rope_scaling";
  RETURN_IF_ERROR(Read(*scaling, "type", &kind, what));
  RETURN_IF_ERROR(Read(*scaling, "rope_type", &kind, what));
  if (kind == "default") return Status::Ok();
  RETURN_IF_ERROR(Read(*scaling, "factor", &r.factor, what));
  if (kind == "linear") {
    r.type = RopeType::kLinear;
  } else if (kind == "llama3") {
    r.type = RopeType::kLlama3;
    RETURN_IF_ERROR(Read(*scaling, "low_freq_factor", &r.low_freq_factor, what));
    RETURN_IF_ERROR(Read(*scaling, "high_freq_factor", &r.high_freq_factor, what));
    RETURN_IF_ERROR(Read(*scaling, "original_max_position_embeddings",
                         &r.original_max_position_embeddings, what));
  } else {
    return Unimplemented(what + ": rope type '" + kind + "' is not supported yet");
  }
  if (!(r.factor > 0)) return InvalidArgument(what + ": factor must be > 0");
  return Status::Ok();
}

// Gemma 3's own fields (transformers 4.5x and 5 spellings): local / global RoPE, the layer
// pattern, the window, the query scale; softcapping and other activations are refused.
Status ParseGemma3(const json& j, ModelConfig* c, const std::string& label) {
  if (!j.contains("head_dim")) c->head_dim = 256;  // Gemma3TextConfig's default
  if (!c->tie_word_embeddings) return Unimplemented(label + ": gemma3 with an untied lm_head is not supported");
  c->rope = RopeConfig{.theta = 1e6};
  c->rope_local_theta = 10000.0;
  RETURN_IF_ERROR(Read(j, "rope_theta", &c->rope.theta, label));
  RETURN_IF_ERROR(Read(j, "rope_local_base_freq", &c->rope_local_theta, label));
  auto scaled = [&](const json& s, const std::string& what) -> Status {
    std::string kind = "default";
    RETURN_IF_ERROR(Read(s, "rope_type", &kind, what));
    RETURN_IF_ERROR(Read(s, "type", &kind, what));
    if (kind == "default") return Status::Ok();
    if (kind != "linear") return Unimplemented(what + ": rope type '" + kind + "' is not supported for gemma3");
    c->rope.type = RopeType::kLinear;
    RETURN_IF_ERROR(Read(s, "factor", &c->rope.factor, what));
    return c->rope.factor > 0 ? Status::Ok() : InvalidArgument(what + ": factor must be > 0");
  };
  if (auto it = j.find("rope_scaling"); it != j.end() && it->is_object()) RETURN_IF_ERROR(scaled(*it, label + ": rope_scaling"));
  if (auto it = j.find("rope_parameters"); it != j.end() && it->is_object()) {
    if (auto f = it->find("full_attention"); f != it->end() && f->is_object()) {
      RETURN_IF_ERROR(Read(*f, "rope_theta", &c->rope.theta, label + ": rope_parameters.full_attention"));
      RETURN_IF_ERROR(scaled(*f, label + ": rope_parameters.full_attention"));
    }
    if (auto l = it->find("sliding_attention"); l != it->end() && l->is_object())
      RETURN_IF_ERROR(Read(*l, "rope_theta", &c->rope_local_theta, label + ": rope_parameters.sliding_attention"));
  }
  RETURN_IF_ERROR(Read(j, "sliding_window", &c->sliding_window, label));
  c->query_pre_attn_scalar = static_cast<double>(c->head_dim);
  RETURN_IF_ERROR(Read(j, "query_pre_attn_scalar", &c->query_pre_attn_scalar, label));
  c->sliding_layers.assign(static_cast<size_t>(std::max<int64_t>(c->num_hidden_layers, 0)), false);
  if (auto it = j.find("layer_types"); it != j.end() && it->is_array()) {
    if (static_cast<int64_t>(it->size()) != c->num_hidden_layers)
      return InvalidArgument(label + ": 'layer_types' has " + std::to_string(it->size()) + " entries for " +
                             std::to_string(c->num_hidden_layers) + " layers");
    for (size_t i = 0; i < it->size(); ++i) {
      const std::string kind = (*it)[i].is_string() ? (*it)[i].get<std::string>() : "";
      if (kind != "sliding_attention" && kind != "full_attention")
        return InvalidArgument(label + ": 'layer_types' entry " + std::to_string(i) + " is not sliding_attention or full_attention");
      c->sliding_layers[i] = kind == "sliding_attention";
    }
  } else {
    int64_t pattern = 6;
    RETURN_IF_ERROR(Read(j, "sliding_window_pattern", &pattern, label));
    for (int64_t i = 0; i < c->num_hidden_layers; ++i) c->sliding_layers[i] = pattern > 0 && (i + 1) % pattern != 0;
  }
  if (c->sliding_window <= 0)
    for (size_t i = 0; i < c->sliding_layers.size(); ++i) c->sliding_layers[i] = false;
  std::string act = "gelu_pytorch_tanh";
  RETURN_IF_ERROR(Read(j, "hidden_activation", &act, label));
  if (act != "gelu_pytorch_tanh" && act != "gelu_tanh")
    return Unimplemented(label + ": gemma3 hidden_activation '" + act + "' is not supported (gelu_pytorch_tanh)");
  for (const char* key : {"final_logit_softcapping", "attn_logit_softcapping"})
    if (auto it = j.find(key); it != j.end() && !it->is_null())
      return Unimplemented(label + ": gemma3 '" + key + "' is not supported");
  return Status::Ok();
}

// nemotron_h: the layer pattern and the Mamba2 / MoE fields (mlx-lm nemotron_h.ModelArgs).
Status ParseHybrid(const json& j, ModelConfig* c, const std::string& label) {
  RETURN_IF_ERROR(Read(j, "hybrid_override_pattern", &c->layer_pattern, label));
  if (c->layer_pattern.empty()) {
    const json* types = nullptr;
    for (const char* key : {"layers_block_type", "layer_types"})
      if (auto it = j.find(key); it != j.end() && it->is_array() && !types) types = &*it;
    if (!types)
      return InvalidArgument(label + ": nemotron_h needs 'hybrid_override_pattern' or 'layers_block_type'");
    for (const auto& v : *types) {
      const std::string t = v.is_string() ? v.get<std::string>() : "";
      if (t == "mamba" || t == "linear_attention" || t == "conv") c->layer_pattern += 'M';
      else if (t == "attention" || t == "full_attention") c->layer_pattern += '*';
      else if (t == "moe") c->layer_pattern += 'E';
      else if (t == "mlp") c->layer_pattern += '-';
      else return InvalidArgument(label + ": layers_block_type entry '" + v.dump() + "' (need mamba, attention, moe or mlp)");
    }
  }
  for (char k : c->layer_pattern)
    if (k != 'M' && k != '*' && k != 'E' && k != '-')
      return InvalidArgument(label + ": hybrid_override_pattern has '" + std::string(1, k) + "' (need M, *, E or -)");
  c->num_hidden_layers = static_cast<int64_t>(c->layer_pattern.size());
  RETURN_IF_ERROR(Read(j, "layer_norm_epsilon", &c->rms_norm_eps, label));
  RETURN_IF_ERROR(Read(j, "mamba_num_heads", &c->mamba_num_heads, label));
  RETURN_IF_ERROR(Read(j, "mamba_head_dim", &c->mamba_head_dim, label));
  RETURN_IF_ERROR(Read(j, "ssm_state_size", &c->ssm_state_size, label));
  RETURN_IF_ERROR(Read(j, "n_groups", &c->mamba_n_groups, label));
  RETURN_IF_ERROR(Read(j, "conv_kernel", &c->conv_kernel, label));
  RETURN_IF_ERROR(Read(j, "use_conv_bias", &c->use_conv_bias, label));
  RETURN_IF_ERROR(Read(j, "mamba_proj_bias", &c->mamba_proj_bias, label));
  if (auto it = j.find("time_step_limit"); it != j.end() && !it->is_null()) {
    if (!it->is_array() || it->size() != 2 || !(*it)[0].is_number() || !(*it)[1].is_number())
      return InvalidArgument(label + ": 'time_step_limit' must be a pair of numbers");
    c->time_step_limit_min = (*it)[0].get<double>();
    c->time_step_limit_max = (*it)[1].get<double>();
  }
  RETURN_IF_ERROR(Read(j, "n_routed_experts", &c->num_experts, label));
  RETURN_IF_ERROR(Read(j, "n_shared_experts", &c->num_shared_experts, label));
  RETURN_IF_ERROR(Read(j, "moe_shared_expert_intermediate_size", &c->shared_expert_intermediate_size, label));
  RETURN_IF_ERROR(Read(j, "routed_scaling_factor", &c->routed_scaling_factor, label));
  int64_t n_group = 1, topk_group = 1;
  RETURN_IF_ERROR(Read(j, "n_group", &n_group, label));
  RETURN_IF_ERROR(Read(j, "topk_group", &topk_group, label));
  if (n_group > 1 && topk_group < n_group)
    return Unimplemented(label + ": router group limiting (n_group " + std::to_string(n_group) +
                         ", topk_group " + std::to_string(topk_group) + ") is not supported yet");
  if (auto it = j.find("moe_latent_size"); it != j.end() && !it->is_null())
    return Unimplemented(label + ": 'moe_latent_size' (latent MoE projections) is not supported yet");
  return Status::Ok();
}

}  // namespace

Result<ModelConfig> ParseModelConfig(const std::string& config_text, const std::string& gen_text,
                                     const std::string& label) {
  ASSIGN_OR_RETURN(json j, ParseLenientJson(config_text, label));
  if (!j.is_object()) return DataLoss(label + ": not a JSON object");
  ModelConfig c;
  RETURN_IF_ERROR(Read(j, "model_type", &c.model_type, label));
  if (c.model_type.empty()) return InvalidArgument(label + ": missing 'model_type'");
  // Gemma 3: Gemma3ForCausalLM says gemma3_text; the multimodal config nests the text model.
  if (c.model_type == "gemma3" && j.contains("text_config") && j["text_config"].is_object()) {
    json text = j["text_config"];
    if (!text.contains("eos_token_id") && j.contains("eos_token_id")) text["eos_token_id"] = j["eos_token_id"];
    j = std::move(text);
  }
  if (c.model_type == "gemma3_text") c.model_type = "gemma3";
  const std::string& t = c.model_type;
  RETURN_IF_ERROR(Read(j, "hidden_size", &c.hidden_size, label));
  RETURN_IF_ERROR(Read(j, "intermediate_size", &c.intermediate_size, label));
  RETURN_IF_ERROR(Read(j, "num_hidden_layers", &c.num_hidden_layers, label));
  RETURN_IF_ERROR(Read(j, "num_attention_heads", &c.num_attention_heads, label));
  c.num_key_value_heads = c.num_attention_heads;
  RETURN_IF_ERROR(Read(j, "num_key_value_heads", &c.num_key_value_heads, label));
  RETURN_IF_ERROR(Read(j, "vocab_size", &c.vocab_size, label));
  RETURN_IF_ERROR(Read(j, "max_position_embeddings", &c.max_position_embeddings, label));
  RETURN_IF_ERROR(Read(j, "rms_norm_eps", &c.rms_norm_eps, label));
  // qwen2 ignores any head_dim key (mlx-lm computes hidden / heads).
  if (t != "qwen2") RETURN_IF_ERROR(Read(j, "head_dim", &c.head_dim, label));
  if (c.head_dim == 0 && c.num_attention_heads > 0) c.head_dim = c.hidden_size / c.num_attention_heads;
  c.tie_word_embeddings = !(t == "qwen3_moe" || t == "nemotron_h");
  RETURN_IF_ERROR(Read(j, "tie_word_embeddings", &c.tie_word_embeddings, label));
  RETURN_IF_ERROR(Read(j, "attention_bias", &c.attention_bias, label));
  RETURN_IF_ERROR(Read(j, "mlp_bias", &c.mlp_bias, label));
  c.qk_norm = t == "qwen3" || t == "qwen3_moe" || t == "gemma3";
  RETURN_IF_ERROR(Read(j, "torch_dtype", &c.torch_dtype, label));
  RETURN_IF_ERROR(Read(j, "dtype", &c.torch_dtype, label));
  RETURN_IF_ERROR(ParseRope(j, t, &c, label));
  if (t == "gemma3") RETURN_IF_ERROR(ParseGemma3(j, &c, label));
  if (auto it = j.find("bos_token_id"); it != j.end() && it->is_number_integer())
    c.bos_token_id = it->get<int32_t>();
  RETURN_IF_ERROR(ReadIds(j, "eos_token_id", &c.eos_token_ids, label));
  if (!gen_text.empty()) {
    ASSIGN_OR_RETURN(json g, ParseLenientJson(gen_text, "generation_config.json"));
    if (g.is_object()) RETURN_IF_ERROR(ReadIds(g, "eos_token_id", &c.eos_token_ids, "generation_config.json"));
  }
  RETURN_IF_ERROR(ParseQuantization(j, &c.quantization, label));
  RETURN_IF_ERROR(Read(j, "num_experts", &c.num_experts, label));
  RETURN_IF_ERROR(Read(j, "num_experts_per_tok", &c.num_experts_per_tok, label));
  RETURN_IF_ERROR(Read(j, "moe_intermediate_size", &c.moe_intermediate_size, label));
  RETURN_IF_ERROR(Read(j, "norm_topk_prob", &c.norm_topk_prob, label));
  RETURN_IF_ERROR(Read(j, "decoder_sparse_step", &c.decoder_sparse_step, label));
  if (auto it = j.find("mlp_only_layers"); it != j.end() && it->is_array())
    for (const auto& v : *it)
      if (v.is_number_integer()) c.mlp_only_layers.push_back(v.get<int64_t>());
  if (t == "nemotron_h") RETURN_IF_ERROR(ParseHybrid(j, &c, label));
  c.raw = std::move(j);
  Status st = c.Validate();
  if (!st.ok()) return st.WithContext(label);
  return c;
}

Status ModelConfig::Validate() const {
  if (!IsArchitectureSupported(model_type)) return Status::Ok();  // checked when building a model
  auto positive = [](const char* name, int64_t v) {
    return v > 0 ? Status::Ok() : InvalidArgument(std::string("'") + name + "' must be > 0, got " + std::to_string(v));
  };
  RETURN_IF_ERROR(positive("hidden_size", hidden_size));
  if (!IsHybrid() || NumLayersOfKind('-') > 0) RETURN_IF_ERROR(positive("intermediate_size", intermediate_size));
  RETURN_IF_ERROR(positive("num_hidden_layers", num_hidden_layers));
  RETURN_IF_ERROR(positive("num_attention_heads", num_attention_heads));
  RETURN_IF_ERROR(positive("num_key_value_heads", num_key_value_heads));
  RETURN_IF_ERROR(positive("head_dim", head_dim));
  RETURN_IF_ERROR(positive("vocab_size", vocab_size));
  if (num_attention_heads % num_key_value_heads != 0)
    return InvalidArgument("'num_attention_heads' (" + std::to_string(num_attention_heads) +
                           ") must be a multiple of 'num_key_value_heads' (" +
                           std::to_string(num_key_value_heads) + ")");
  if (head_dim % 2 != 0 && !IsHybrid()) return InvalidArgument("'head_dim' must be even for RoPE");
  if (!(rms_norm_eps > 0)) return InvalidArgument("'rms_norm_eps' must be > 0");
  if (!(rope.theta > 0)) return InvalidArgument("'rope_theta' must be > 0");
  if (num_experts > 0) {
    RETURN_IF_ERROR(positive("num_experts_per_tok", num_experts_per_tok));
    RETURN_IF_ERROR(positive("moe_intermediate_size", moe_intermediate_size));
    RETURN_IF_ERROR(positive("decoder_sparse_step", decoder_sparse_step));
    if (num_experts_per_tok > num_experts)
      return InvalidArgument("'num_experts_per_tok' (" + std::to_string(num_experts_per_tok) +
                             ") must be <= 'num_experts' (" + std::to_string(num_experts) + ")");
  } else if (model_type == "qwen3_moe") {
    return InvalidArgument("'num_experts' must be > 0 for qwen3_moe, got " + std::to_string(num_experts));
  }
  if (model_type == "nemotron_h") RETURN_IF_ERROR(ValidateHybrid());
  for (int32_t id : eos_token_ids)
    if (id < 0 || id >= vocab_size) return InvalidArgument("'eos_token_id' " + std::to_string(id) + " outside the vocabulary");
  return Status::Ok();
}

Status ModelConfig::ValidateHybrid() const {
  auto positive = [](const char* name, int64_t v) {
    return v > 0 ? Status::Ok() : InvalidArgument(std::string("'") + name + "' must be > 0, got " + std::to_string(v));
  };
  if (layer_pattern.empty()) return InvalidArgument("nemotron_h needs a layer pattern");
  if (NumLayersOfKind('M') > 0) {
    RETURN_IF_ERROR(positive("mamba_num_heads", mamba_num_heads));
    RETURN_IF_ERROR(positive("mamba_head_dim", mamba_head_dim));
    RETURN_IF_ERROR(positive("ssm_state_size", ssm_state_size));
    RETURN_IF_ERROR(positive("n_groups", mamba_n_groups));
    RETURN_IF_ERROR(positive("conv_kernel", conv_kernel));
    if (conv_kernel > 8) return InvalidArgument("'conv_kernel' " + std::to_string(conv_kernel) + " (at most 8)");
    if (mamba_num_heads % mamba_n_groups != 0)
      return InvalidArgument("'mamba_num_heads' (" + std::to_string(mamba_num_heads) +
                             ") must be a multiple of 'n_groups' (" + std::to_string(mamba_n_groups) + ")");
    if (!(time_step_limit_min <= time_step_limit_max))
      return InvalidArgument("'time_step_limit' must be [min, max] with min <= max");
  }
  if (NumLayersOfKind('E') > 0) {
    RETURN_IF_ERROR(positive("n_routed_experts", num_experts));
    if (num_shared_experts > 0) RETURN_IF_ERROR(positive("moe_shared_expert_intermediate_size", shared_expert_intermediate_size));
    if (num_shared_experts > 1)
      return Unimplemented("'n_shared_experts' " + std::to_string(num_shared_experts) + " (one shared expert only)");
    if (!(routed_scaling_factor > 0)) return InvalidArgument("'routed_scaling_factor' must be > 0");
  }
  return Status::Ok();
}

Result<ModelConfig> LoadModelConfig(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return NotFound(dir + ": no such model directory");
  if (!fs::is_directory(dir, ec)) return NotFound(dir + ": not a directory");
  auto slurp = [](const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  fs::path cfg = fs::path(dir) / "config.json";
  if (!fs::exists(cfg, ec)) return NotFound(cfg.string() + ": missing (a model directory needs config.json)");
  fs::path gen = fs::path(dir) / "generation_config.json";
  return ParseModelConfig(slurp(cfg), fs::exists(gen, ec) ? slurp(gen) : "", cfg.string());
}

}  // namespace vllm
