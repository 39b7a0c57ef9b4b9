// ModelConfig: config.json (+ generation_config.json) as a plain, validated struct.
// Accepts both the transformers-4 and transformers-5 spellings (MLX_FORMAT.md §E.7).
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/status.h"

namespace vllm {

struct QuantParams {
  int group_size = 64;
  int bits = 4;
  std::string mode = "affine";
  bool operator==(const QuantParams&) const = default;
};

// The `quantization` block: top-level params plus per-module overrides keyed by module path
// (e.g. "model.layers.0.mlp.gate"); an override of `false` keeps that module in float.
struct QuantizationConfig {
  std::optional<QuantParams> defaults;  // absent: the checkpoint is not quantized
  std::map<std::string, std::optional<QuantParams>> overrides;

  // Params for a module whose `<path>.scales` tensor exists. nullopt: the module is float.
  std::optional<QuantParams> ForModule(const std::string& path) const;
};

enum class RopeType { kDefault, kLinear, kLlama3 };

struct RopeConfig {
  double theta = 10000.0;
  RopeType type = RopeType::kDefault;
  double factor = 1.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  double original_max_position_embeddings = 8192;
  bool traditional = false;
};

struct ModelConfig {
  std::string model_type;  // "llama", "qwen2", "qwen3", ...
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;
  int64_t num_key_value_heads = 0;
  int64_t head_dim = 0;
  int64_t vocab_size = 0;
  int64_t max_position_embeddings = 0;
  double rms_norm_eps = 1e-6;
  RopeConfig rope;
  bool tie_word_embeddings = true;
  bool attention_bias = false;  // q/k/v/o biases (llama); qwen2 always has q/k/v biases
  bool mlp_bias = false;
  bool qk_norm = false;         // qwen3: RMSNorm over head_dim on Q and K before RoPE
  std::string torch_dtype = "bfloat16";
  std::optional<int32_t> bos_token_id;
  std::vector<int32_t> eos_token_ids;
  QuantizationConfig quantization;

  // Mixture of experts (qwen3_moe); zero when dense.
  int64_t num_experts = 0;
  int64_t num_experts_per_tok = 0;
  int64_t moe_intermediate_size = 0;
  bool norm_topk_prob = false;
  int64_t decoder_sparse_step = 1;
  std::vector<int64_t> mlp_only_layers;

  // gemma3: interleaved local (sliding-window) and global attention layers.
  int64_t sliding_window = 0;        // positions a local layer sees (0: none)
  std::vector<bool> sliding_layers;  // per layer, true = local; empty: every layer global
  double rope_local_theta = 10000.0; // RoPE base of the local layers (no scaling)
  double query_pre_attn_scalar = 0;  // attention scale = query_pre_attn_scalar^-0.5 (0: head_dim)

  bool IsSlidingLayer(int64_t i) const {
    return i >= 0 && i < static_cast<int64_t>(sliding_layers.size()) && sliding_layers[i];
  }

  // Hybrid state-space models (nemotron_h, MOE_HYBRID.md §2): one mixer per layer, named by
  // the layer's character in hybrid_override_pattern (or mapped from layers_block_type):
  // 'M' Mamba2, '*' attention without RoPE, 'E' routed experts, '-' dense relu2 MLP.
  // Empty for the llama family. num_hidden_layers == layer_pattern.size() when set.
  std::string layer_pattern;
  int64_t mamba_num_heads = 0;   // H
  int64_t mamba_head_dim = 0;    // P
  int64_t ssm_state_size = 0;    // N
  int64_t mamba_n_groups = 0;    // G (config "n_groups": B/C groups, not the router's n_group)
  int64_t conv_kernel = 0;       // K
  bool use_conv_bias = true;
  bool mamba_proj_bias = false;
  double time_step_limit_min = 0.0;  // dt clip (config time_step_limit; default none)
  double time_step_limit_max = std::numeric_limits<double>::infinity();
  // nemotron_h's routed experts: sigmoid router with e_score_correction_bias, relu2 experts,
  // a shared expert and a routed scaling factor.
  int64_t num_shared_experts = 0;
  int64_t shared_expert_intermediate_size = 0;
  double routed_scaling_factor = 1.0;
  bool IsHybrid() const { return !layer_pattern.empty(); }
  int64_t NumLayersOfKind(char kind) const;

  // Whether layer i's MLP is routed experts (qwen3_moe: not in mlp_only_layers, and
  // (i + 1) % decoder_sparse_step == 0) rather than a dense SwiGLU of intermediate_size.
  bool IsSparseLayer(int64_t i) const;

  nlohmann::json raw;  // the parsed config.json, for fields only one family reads

  // Names the first bad field.
  Status Validate() const;
  Status ValidateHybrid() const;  // nemotron_h's own fields
};

// Architectures with a forward pass in this build.
bool IsArchitectureSupported(const std::string& model_type);

// Parses config JSON text. `generation_config` may be empty; when given, its eos_token_id
// overrides the config's (as mlx-lm does).
Result<ModelConfig> ParseModelConfig(const std::string& config_json,
                                     const std::string& generation_config_json = "",
                                     const std::string& label = "config.json");

// Reads <dir>/config.json and the optional <dir>/generation_config.json.
Result<ModelConfig> LoadModelConfig(const std::string& dir);

// JSON parse that also accepts NaN / Infinity / -Infinity outside strings (some real configs
// contain them); they become null / ±max double.
Result<nlohmann::json> ParseLenientJson(const std::string& text, const std::string& label);

}  // namespace vllm
