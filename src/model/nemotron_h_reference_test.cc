// NemotronHModel on the CPU backend against the same dummy model on the reference backend
// (every op in double, kernels/ref): chunked prefill then decode steps through the paged cache
// and a state slot, for f32, bf16 and MLX 4/6-bit weights, patterns with every layer kind.
// Also: the prompt in chunks of 1 and 5 equals chunks of 16 (the state carried in the slot),
// and a slot holding another sequence's state is ignored by a sequence starting at 0.
// Config parsing of the nemotron_h fields and its errors are checked here too.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/ref/ref_backend.h"
#include "model/model.h"
#include "runner/model_runner.h"

namespace vllm {
namespace {

std::string Config(const std::string& dtype, const std::string& pattern, const std::string& extra) {
  return R"({"model_type": "nemotron_h", "hidden_size": 64, "intermediate_size": 96, "vocab_size": 300,
    "hybrid_override_pattern": ")" + pattern + R"(", "num_attention_heads": 4, "num_key_value_heads": 2,
    "head_dim": 16, "mamba_num_heads": 8, "mamba_head_dim": 8, "ssm_state_size": 16, "n_groups": 2,
    "conv_kernel": 4, "use_conv_bias": true, "mamba_proj_bias": false, "n_routed_experts": 8,
    "num_experts_per_tok": 2, "moe_intermediate_size": 32, "n_shared_experts": 1,
    "moe_shared_expert_intermediate_size": 48, "routed_scaling_factor": 2.5, "norm_topk_prob": true,
    "n_group": 1, "topk_group": 1, "layer_norm_epsilon": 1e-5, "max_position_embeddings": 512,
    "tie_word_embeddings": false, "torch_dtype": ")" + dtype + R"(")" + extra + "}";
}

// Logits of every prompt position (chunks of `chunk`) and of 3 decode steps, [rows, vocab].
// The slot starts with garbage: position 0 must ignore it.
std::vector<float> RunPrompt(Model& model, const std::vector<int32_t>& prompt, size_t chunk) {
  const int64_t bs = 16, blocks = 8;
  ModelRunner runner(&model, {.block_size = bs, .num_blocks = blocks, .kv_dtype = DType::kF32, .num_state_slots = 2});
  const StateSpec spec = model.state_spec();
  for (void* layer : runner.cache().state_layers()) {
    std::vector<float> junk(2 * spec.bytes_per_slot / sizeof(float), 3.5f);
    model.backend().CopyToDevice(layer, junk.data(), junk.size() * sizeof(float));
  }
  std::vector<int32_t> table(blocks);
  std::iota(table.begin(), table.end(), 0);
  std::vector<float> all;
  BatchInputs in;
  for (size_t start = 0; start < prompt.size(); start += chunk) {
    const size_t n = std::min(chunk, prompt.size() - start);
    in.Begin(blocks);
    in.AddSequence({prompt.data() + start, n}, static_cast<int64_t>(start), table, bs, false, /*state_slot=*/1);
    for (size_t i = 0; i < n; ++i) in.logits_indices.push_back(static_cast<int32_t>(i));
    std::span<const float> l = runner.Logits(in);
    all.insert(all.end(), l.begin(), l.end());
  }
  for (int step = 0; step < 3; ++step) {
    const int32_t token = 11 + 7 * step;
    in.Begin(blocks);
    in.AddSequence({&token, 1}, static_cast<int64_t>(prompt.size()) + step, table, bs, true, 1);
    std::span<const float> l = runner.Logits(in);
    all.insert(all.end(), l.begin(), l.end());
  }
  return all;
}

// max_r ||got_r - want_r||_inf / ||want_r||_inf
double MaxRowErr(const std::vector<float>& got, const std::vector<float>& want, int64_t V) {
  double worst = 0;
  for (size_t r = 0; r * V < want.size(); ++r) {
    double e = 0, m = 0;
    for (int64_t j = 0; j < V; ++j) {
      e = std::max(e, std::abs(static_cast<double>(got[r * V + j]) - want[r * V + j]));
      m = std::max(m, std::abs(static_cast<double>(want[r * V + j])));
    }
    EXPECT_GT(m, 0.05) << "degenerate logits row " << r;
    worst = std::max(worst, e / m);
  }
  return worst;
}

TEST(NemotronHReferenceTest, CpuBackendMatchesDoubleReferenceForward) {
  struct Case {
    const char* name;
    std::string json;
  };
  const Case cases[] = {
      {"f32 ME*EM-", Config("float32", "ME*EM-", "")},
      {"bf16 M*MEM-E", Config("bfloat16", "M*MEM-E", "")},
      {"q4g32 *MEM", Config("bfloat16", "*MEM", R"(, "quantization": {"group_size": 32, "bits": 4})")},
      {"q6g64 MEM*E, dt clip", Config("bfloat16", "MEM*E", R"(, "quantization": {"group_size": 64, "bits": 6},
         "time_step_limit": [0.0, 0.05])")},
  };
  std::mt19937 rng(5);
  for (const Case& c : cases) {
    auto cfg = ParseModelConfig(c.json);
    ASSERT_TRUE(cfg.ok()) << c.name << ": " << cfg.status().message();
    auto fast = CreateDummyModelOn(std::make_unique<CpuBackend>(2), *cfg, 64, 99);
    auto oracle = CreateDummyModelOn(std::make_unique<RefBackend>(), *cfg, 64, 99);
    ASSERT_TRUE(fast.ok() && oracle.ok()) << c.name << ": " << fast.status().message();
    std::vector<int32_t> prompt(41);
    for (auto& t : prompt) t = static_cast<int32_t>(rng() % 300);
    const std::vector<float> got = RunPrompt(**fast, prompt, 16), want = RunPrompt(**oracle, prompt, 16);
    ASSERT_EQ(got.size(), want.size());
    EXPECT_LT(MaxRowErr(got, want, 300), 1e-4) << c.name;
    // Chunks of 1 and 5 continue the state in the slot: the same logits as chunks of 16.
    for (size_t chunk : {size_t{1}, size_t{5}})
      EXPECT_LT(MaxRowErr(RunPrompt(**fast, prompt, chunk), got, 300), 1e-5) << c.name << " chunks of " << chunk;
  }
}

TEST(NemotronHConfigTest, ParsesBothPatternSpellingsAndNamesBadFields) {
  auto a = ParseModelConfig(Config("bfloat16", "ME*EM-", ""));
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->num_hidden_layers, 6);
  EXPECT_EQ(a->NumLayersOfKind('M'), 2);
  EXPECT_TRUE(a->IsSparseLayer(1));
  EXPECT_FALSE(a->IsSparseLayer(5));
  EXPECT_EQ(a->num_experts, 8);
  EXPECT_DOUBLE_EQ(a->routed_scaling_factor, 2.5);
  std::string j = Config("bfloat16", "", "");
  j.replace(j.find(R"("hybrid_override_pattern": "")"), std::string(R"("hybrid_override_pattern": "")").size(),
            R"("layers_block_type": ["mamba", "attention", "moe", "mlp"])");
  j.replace(j.find(R"("tie_word_embeddings": false, )"), std::string(R"("tie_word_embeddings": false, )").size(), "");
  auto b = ParseModelConfig(j);
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(b->layer_pattern, "M*E-");
  EXPECT_FALSE(b->tie_word_embeddings);  // nemotron_h never ties unless told
  auto expect_error = [](const std::string& json, const std::string& needle) {
    auto r = ParseModelConfig(json);
    ASSERT_FALSE(r.ok()) << needle;
    EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().message();
  };
  expect_error(Config("bfloat16", "MX*", ""), "'X'");
  expect_error(Config("bfloat16", "", ""), "hybrid_override_pattern");
  expect_error(Config("bfloat16", "ME", R"(, "n_group": 4, "topk_group": 2)"), "n_group");
  expect_error(Config("bfloat16", "ME", R"(, "moe_latent_size": 16)"), "moe_latent_size");
  std::string bad_groups = Config("bfloat16", "ME", "");
  bad_groups.replace(bad_groups.find(R"("n_groups": 2)"), 13, R"("n_groups": 3)");
  expect_error(bad_groups, "n_groups");
}

}  // namespace
}  // namespace vllm
