#include "model/model_config.h"

#include <gtest/gtest.h>

namespace vllm {
namespace {

constexpr const char* kLlama = R"({
  "model_type": "llama", "hidden_size": 2048, "intermediate_size": 8192, "num_hidden_layers": 16,
  "num_attention_heads": 32, "num_key_value_heads": 8, "head_dim": 64, "vocab_size": 128256,
  "rms_norm_eps": 1e-5, "rope_theta": 500000.0, "max_position_embeddings": 131072,
  "rope_scaling": {"factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                   "original_max_position_embeddings": 8192, "rope_type": "llama3"},
  "tie_word_embeddings": true, "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009],
  "torch_dtype": "bfloat16"})";

TEST(ModelConfigTest, LlamaWithLlama3Rope) {
  auto c = ParseModelConfig(kLlama);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->head_dim, 64);
  EXPECT_EQ(c->rope.type, RopeType::kLlama3);
  EXPECT_DOUBLE_EQ(c->rope.factor, 32.0);
  EXPECT_DOUBLE_EQ(c->rope.theta, 500000.0);
  EXPECT_EQ(c->eos_token_ids, (std::vector<int32_t>{128001, 128008, 128009}));
  EXPECT_EQ(c->bos_token_id, 128000);
  EXPECT_FALSE(c->quantization.defaults.has_value());
}

TEST(ModelConfigTest, TransformersFiveSpellings) {
  // transformers 5 re-saves: rope_parameters.rope_theta and dtype.
  auto c = ParseModelConfig(R"({"model_type": "qwen2", "hidden_size": 1536, "intermediate_size": 8960,
    "num_hidden_layers": 28, "num_attention_heads": 12, "num_key_value_heads": 2, "head_dim": 64,
    "vocab_size": 151936, "dtype": "float16",
    "rope_parameters": {"rope_theta": 1000000.0, "rope_type": "default"}})");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_DOUBLE_EQ(c->rope.theta, 1e6);
  EXPECT_EQ(c->rope.type, RopeType::kDefault);
  EXPECT_EQ(c->torch_dtype, "float16");
  EXPECT_EQ(c->head_dim, 128) << "qwen2 ignores head_dim: hidden / heads";
  EXPECT_TRUE(c->tie_word_embeddings) << "qwen2 ties by default";
}

TEST(ModelConfigTest, TransformersFiveLlama3RopeParameters) {
  auto c = ParseModelConfig(R"({"model_type": "llama", "hidden_size": 64, "intermediate_size": 128,
    "num_hidden_layers": 1, "num_attention_heads": 4, "vocab_size": 100,
    "rope_parameters": {"rope_theta": 500000.0, "rope_type": "llama3", "factor": 8.0,
      "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}})");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->rope.type, RopeType::kLlama3);
  EXPECT_DOUBLE_EQ(c->rope.factor, 8.0);
  EXPECT_DOUBLE_EQ(c->rope.theta, 500000.0);
  EXPECT_EQ(c->num_key_value_heads, 4) << "defaults to num_attention_heads";
}

TEST(ModelConfigTest, QuantizationWithOverrides) {
  auto c = ParseModelConfig(R"({"model_type": "qwen3", "hidden_size": 64, "intermediate_size": 128,
    "num_hidden_layers": 1, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16,
    "vocab_size": 100, "rope_theta": 1e6, "tie_word_embeddings": false,
    "quantization": {"group_size": 64, "bits": 4, "mode": "affine",
      "model.layers.0.mlp.gate": {"group_size": 64, "bits": 8},
      "model.layers.0.mlp.down_proj": false, "lm_head": {"bits": 6, "group_size": 32}}})");
  ASSERT_TRUE(c.ok()) << c.status().message();
  const auto& q = c->quantization;
  ASSERT_TRUE(q.defaults.has_value());
  EXPECT_EQ(q.defaults->bits, 4);
  EXPECT_EQ(q.ForModule("model.layers.0.self_attn.q_proj"), (QuantParams{64, 4, "affine"}));
  EXPECT_EQ(q.ForModule("model.layers.0.mlp.gate"), (QuantParams{64, 8, "affine"}));
  EXPECT_EQ(q.ForModule("lm_head"), (QuantParams{32, 6, "affine"}));
  EXPECT_FALSE(q.ForModule("model.layers.0.mlp.down_proj").has_value());
  EXPECT_TRUE(c->qk_norm);
  EXPECT_FALSE(c->tie_word_embeddings);
}

TEST(ModelConfigTest, MissingModeMeansAffineAndQuantizationConfigAlone) {
  auto c = ParseModelConfig(R"({"model_type": "llama", "hidden_size": 64, "intermediate_size": 128,
    "num_hidden_layers": 1, "num_attention_heads": 4, "vocab_size": 100,
    "quantization_config": {"group_size": 32, "bits": 3}})");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->quantization.defaults, (QuantParams{32, 3, "affine"}));
}

TEST(ModelConfigTest, BadQuantizationIsRejected) {
  const char* base = R"({"model_type": "llama", "hidden_size": 64, "intermediate_size": 128,
    "num_hidden_layers": 1, "num_attention_heads": 4, "vocab_size": 100, "quantization": )";
  EXPECT_FALSE(ParseModelConfig(std::string(base) + R"({"group_size": 64, "bits": 7}})").ok());
  EXPECT_FALSE(ParseModelConfig(std::string(base) + R"({"group_size": 48, "bits": 4}})").ok());
  auto st = ParseModelConfig(std::string(base) + R"({"group_size": 32, "bits": 4, "mode": "mxfp4"}})").status();
  EXPECT_EQ(st.code(), StatusCode::kUnimplemented);
  EXPECT_NE(st.message().find("mxfp4"), std::string::npos);
}

TEST(ModelConfigTest, GenerationConfigEosOverrides) {
  auto c = ParseModelConfig(kLlama, R"({"eos_token_id": 128009})");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->eos_token_ids, (std::vector<int32_t>{128009}));
}

TEST(ModelConfigTest, LenientJsonAcceptsInfinityAndNaN) {
  auto c = ParseModelConfig(R"({"model_type": "falcon_h1", "time_step_limit": [0.0, Infinity],
    "note": "NaN and Infinity inside strings stay", "x": -Infinity, "y": NaN})");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_GT(c->raw["time_step_limit"][1].get<double>(), 1e300);
  EXPECT_LT(c->raw["x"].get<double>(), -1e300);
  EXPECT_TRUE(c->raw["y"].is_null());
  EXPECT_EQ(c->raw["note"], "NaN and Infinity inside strings stay");
}

TEST(ModelConfigTest, ErrorsNameTheField) {
  auto st = ParseModelConfig(R"({"model_type": "llama", "hidden_size": "big"})").status();
  EXPECT_NE(st.message().find("hidden_size"), std::string::npos) << st.message();
  st = ParseModelConfig(R"({"model_type": "llama", "hidden_size": 64, "intermediate_size": 128,
    "num_hidden_layers": 1, "num_attention_heads": 6, "num_key_value_heads": 4, "vocab_size": 100})").status();
  EXPECT_NE(st.message().find("num_key_value_heads"), std::string::npos) << st.message();
  st = ParseModelConfig(R"({"hidden_size": 1})").status();
  EXPECT_NE(st.message().find("model_type"), std::string::npos) << st.message();
  st = ParseModelConfig("{not json").status();
  EXPECT_EQ(st.code(), StatusCode::kDataLoss);
}

std::string MoeConfig(const std::string& extra) {
  return R"({"model_type": "qwen3_moe", "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 4,
    "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16, "vocab_size": 512,
    "moe_intermediate_size": 32, "norm_topk_prob": true)" + extra + "}";
}

TEST(ModelConfigTest, Qwen3MoeSparseLayersAndExpertChecks) {
  auto c = ParseModelConfig(MoeConfig(R"(, "num_experts": 8, "num_experts_per_tok": 2,
    "decoder_sparse_step": 2, "mlp_only_layers": [3])"));
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_TRUE(IsArchitectureSupported("qwen3_moe"));
  EXPECT_FALSE(c->tie_word_embeddings) << "qwen3_moe does not tie by default";
  EXPECT_TRUE(c->qk_norm);
  // Sparse iff (i + 1) % 2 == 0 and i not in mlp_only_layers: only layer 1.
  EXPECT_FALSE(c->IsSparseLayer(0));
  EXPECT_TRUE(c->IsSparseLayer(1));
  EXPECT_FALSE(c->IsSparseLayer(2));
  EXPECT_FALSE(c->IsSparseLayer(3));
  auto too_many = ParseModelConfig(MoeConfig(R"(, "num_experts": 8, "num_experts_per_tok": 9)"));
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.status().message().find("'num_experts_per_tok' (9) must be <= 'num_experts' (8)"),
            std::string::npos)
      << too_many.status().message();
  auto none = ParseModelConfig(MoeConfig(R"(, "num_experts_per_tok": 2)"));
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("num_experts"), std::string::npos);
}

}  // namespace
}  // namespace vllm
