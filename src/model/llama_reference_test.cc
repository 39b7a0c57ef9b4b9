// LlamaModel on the CPU backend against the same model on the reference backend (every op
// in double, kernels/ref): the C++ oracle for the forward pass, op by op and end to end, with
// no Python. Chunked prefill then decode steps through the paged cache, for the four
// architectures (qwen3_moe with a dense layer in its pattern) and the stored formats (f32,
// bf16, MLX 4/8-bit) the dummy factory makes.
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

struct Case {
  const char* name;
  std::string json;
};

std::string Config(const std::string& type, const std::string& dtype, const std::string& extra) {
  return R"({"model_type": ")" + type + R"(", "hidden_size": 64, "intermediate_size": 96,
    "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16,
    "vocab_size": 300, "rope_theta": 10000, "rms_norm_eps": 1e-5, "max_position_embeddings": 512,
    "torch_dtype": ")" + dtype + R"(")" + extra + "}";
}

// Logits of every prompt position (chunks of 16) and of 3 decode steps, [rows, vocab].
std::vector<float> RunPrompt(Model& model, const std::vector<int32_t>& prompt) {
  const int64_t bs = 16, blocks = 8;
  ModelRunner runner(&model, {.block_size = bs, .num_blocks = blocks, .kv_dtype = DType::kF32});
  std::vector<int32_t> table(blocks);
  std::iota(table.begin(), table.end(), 0);
  std::vector<float> all;
  BatchInputs in;
  for (size_t start = 0; start < prompt.size(); start += 16) {
    const size_t n = std::min<size_t>(16, prompt.size() - start);
    in.Begin(blocks);
    in.AddSequence({prompt.data() + start, n}, static_cast<int64_t>(start), table, bs, false);
    for (size_t i = 0; i < n; ++i) in.logits_indices.push_back(static_cast<int32_t>(i));
    std::span<const float> l = runner.Logits(in);
    all.insert(all.end(), l.begin(), l.end());
  }
  for (int step = 0; step < 3; ++step) {
    const int32_t token = 11 + 7 * step;
    in.Begin(blocks);
    in.AddSequence({&token, 1}, static_cast<int64_t>(prompt.size()) + step, table, bs, true);
    std::span<const float> l = runner.Logits(in);
    all.insert(all.end(), l.begin(), l.end());
  }
  return all;
}

TEST(LlamaReferenceTest, CpuBackendMatchesDoubleReferenceForward) {
  const std::string q4 = R"(, "quantization": {"group_size": 32, "bits": 4})";
  const std::string q8 = R"(, "quantization": {"group_size": 64, "bits": 8})";
  const Case cases[] = {
      {"qwen3 f32 untied", Config("qwen3", "float32", R"(, "tie_word_embeddings": false)")},
      {"qwen3 bf16 tied 8-bit", Config("qwen3", "bfloat16", R"(, "tie_word_embeddings": true)" + q8)},
      {"qwen2 bf16 biases 4-bit", Config("qwen2", "bfloat16", R"(, "tie_word_embeddings": true)" + q4)},
      {"llama f16 llama3 rope", Config("llama", "float16",
                                       R"(, "tie_word_embeddings": false, "rope_scaling": {"rope_type": "llama3",
         "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
         "original_max_position_embeddings": 64})")},
      {"qwen3_moe f32, layer 1 dense", Config("qwen3_moe", "float32", R"(, "tie_word_embeddings": false,
         "num_experts": 8, "num_experts_per_tok": 2, "moe_intermediate_size": 32, "norm_topk_prob": true,
         "mlp_only_layers": [1])")},
      {"qwen3_moe bf16 4-bit, 8-bit router, unnormalised top-k",
       Config("qwen3_moe", "bfloat16", R"(, "tie_word_embeddings": false, "num_experts": 6,
         "num_experts_per_tok": 3, "moe_intermediate_size": 64, "norm_topk_prob": false,
         "quantization": {"group_size": 32, "bits": 4, "model.layers.0.mlp.gate": {"group_size": 64, "bits": 8},
         "model.layers.1.mlp.gate": {"group_size": 64, "bits": 8}})")},
  };
  std::mt19937 rng(5);
  for (const Case& c : cases) {
    auto cfg = ParseModelConfig(c.json);
    ASSERT_TRUE(cfg.ok()) << c.name << ": " << cfg.status().message();
    auto fast = CreateDummyModelOn(std::make_unique<CpuBackend>(2), *cfg, 64, 99);
    auto oracle = CreateDummyModelOn(std::make_unique<RefBackend>(), *cfg, 64, 99);
    ASSERT_TRUE(fast.ok() && oracle.ok()) << c.name;
    std::vector<int32_t> prompt(37);
    for (auto& t : prompt) t = static_cast<int32_t>(rng() % 300);
    const std::vector<float> got = RunPrompt(**fast, prompt), want = RunPrompt(**oracle, prompt);
    ASSERT_EQ(got.size(), want.size());
    const int64_t V = 300, rows = static_cast<int64_t>(got.size()) / V;
    int argmax_checked = 0;
    for (int64_t r = 0; r < rows; ++r) {
      double max_err = 0, max_ref = 0;
      for (int64_t j = 0; j < V; ++j) {
        max_err = std::max(max_err, std::abs(static_cast<double>(got[r * V + j]) - want[r * V + j]));
        max_ref = std::max(max_ref, std::abs(static_cast<double>(want[r * V + j])));
      }
      ASSERT_GT(max_ref, 0.1) << c.name << ": degenerate logits";
      EXPECT_LT(max_err / max_ref, 1e-4) << c.name << " row " << r;
      // Same greedy token wherever the reference's top-2 margin exceeds the error.
      std::vector<int64_t> idx(V);
      std::iota(idx.begin(), idx.end(), 0);
      std::partial_sort(idx.begin(), idx.begin() + 2, idx.end(),
                        [&](int64_t a, int64_t b) { return want[r * V + a] > want[r * V + b]; });
      if (want[r * V + idx[0]] - want[r * V + idx[1]] > 4 * max_err) {
        const int64_t top = std::max_element(got.begin() + r * V, got.begin() + (r + 1) * V) - (got.begin() + r * V);
        EXPECT_EQ(top, idx[0]) << c.name << " row " << r;
        ++argmax_checked;
      }
    }
    EXPECT_GT(argmax_checked, rows / 2) << c.name;
  }
}

}  // namespace
}  // namespace vllm
