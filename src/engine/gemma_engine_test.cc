// Gemma 3's sliding-window layers through the engine (tiny random gemma3, window 8 tokens,
// blocks of 16, prompts up to 100 tokens): a cached prefix gives the same logprobs as none,
// chunked prefill (12-token budget) the same as whole, preemption under memory pressure the
// same tokens as running alone. Every layer keeps its whole KV history, so these hold exactly
// as for full attention; the numerics themselves are checked against a numpy reference in
// tests/conformance/test_gemma3_safetensors.py.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "engine/engine.h"
#include "model/model.h"

namespace vllm {
namespace {

std::unique_ptr<Model> TinyGemma() {
  const std::string cfg = R"({"model_type": "gemma3_text", "hidden_size": 64, "intermediate_size": 96,
    "num_hidden_layers": 4, "num_attention_heads": 4, "num_key_value_heads": 1, "head_dim": 32,
    "vocab_size": 512, "rms_norm_eps": 1e-6, "sliding_window": 8, "query_pre_attn_scalar": 32,
    "layer_types": ["sliding_attention", "full_attention", "sliding_attention", "sliding_attention"],
    "rope_parameters": {"sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
                        "full_attention": {"rope_type": "default", "rope_theta": 1000000.0}},
    "max_position_embeddings": 1024, "eos_token_id": 3})";
  auto c = ParseModelConfig(cfg);
  EXPECT_TRUE(c.ok()) << c.status().message();
  EXPECT_TRUE(c->IsSlidingLayer(0) && !c->IsSlidingLayer(1));
  auto m = CreateDummyModel(c.value(), {.max_num_tokens = 256, .num_threads = 2}, 9);
  EXPECT_TRUE(m.ok()) << m.status().message();
  return std::move(m.value());
}

EngineConfig Config(int64_t blocks, bool caching, int32_t budget = 256) {
  return {.block_size = 16, .kv_cache_dtype = DType::kF32, .num_kv_blocks = blocks, .enable_prefix_caching = caching,
          .max_num_seqs = 64, .max_num_batched_tokens = budget, .max_model_len = 512, .check_invariants = true};
}

struct Out {
  std::vector<int32_t> ids;
  std::vector<TokenLogprob> logprobs;
  Usage usage;
};

std::vector<Out> RunAll(Engine& e, const std::vector<EngineRequest>& reqs) {
  std::vector<std::shared_ptr<OutputStream>> streams;
  for (const auto& r : reqs) streams.push_back(e.Submit(r).value());
  std::vector<Out> out(reqs.size());
  auto drain = [&] {
    for (size_t i = 0; i < streams.size(); ++i)
      while (auto o = streams[i]->Pop(std::chrono::milliseconds(0))) {
        out[i].ids.insert(out[i].ids.end(), o->new_token_ids.begin(), o->new_token_ids.end());
        out[i].logprobs.insert(out[i].logprobs.end(), o->logprobs.begin(), o->logprobs.end());
        out[i].usage = o->usage;
      }
  };
  while (e.Step()) drain();
  drain();
  return out;
}

EngineRequest Request(const std::string& id, std::vector<int32_t> prompt, int max_tokens) {
  EngineRequest r{.request_id = id, .prompt_token_ids = std::move(prompt)};
  r.params.max_tokens = max_tokens;
  r.params.temperature = 0;
  r.params.ignore_eos = true;
  r.params.logprobs = 8;
  return r;
}

std::vector<int32_t> Prompt(int n, std::mt19937& rng) {
  std::vector<int32_t> p(n);
  for (auto& t : p) t = 4 + static_cast<int32_t>(rng() % 500);
  return p;
}

void ExpectSameLogprobs(const Out& a, const Out& b, double tol) {
  ASSERT_EQ(a.ids, b.ids);
  ASSERT_EQ(a.logprobs.size(), b.logprobs.size());
  for (size_t t = 0; t < a.logprobs.size(); ++t)
    for (size_t k = 0; k < a.logprobs[t].top.size(); ++k) {
      EXPECT_EQ(a.logprobs[t].top[k].first, b.logprobs[t].top[k].first) << t;
      EXPECT_NEAR(a.logprobs[t].top[k].second, b.logprobs[t].top[k].second, tol) << t;
    }
}

TEST(GemmaEngineTest, PrefixCacheAndChunkedPrefillPastTheWindow) {
  std::mt19937 rng(1);
  const std::vector<int32_t> shared = Prompt(80, rng);  // 5 blocks, 10 windows
  EngineRequest a = Request("a", shared, 6);
  EngineRequest b = a;
  b.request_id = "b";
  b.prompt_token_ids.resize(64);
  for (int i = 0; i < 21; ++i) b.prompt_token_ids.push_back(7 + i);
  Engine cached(TinyGemma(), nullptr, Config(64, true));
  RunAll(cached, {a});
  const Out hit = RunAll(cached, {b})[0];
  EXPECT_EQ(hit.usage.cached_prompt_tokens, 64);
  Engine plain(TinyGemma(), nullptr, Config(64, false));
  const Out ref = RunAll(plain, {b})[0];
  ExpectSameLogprobs(hit, ref, 1e-4);
  Engine chunked(TinyGemma(), nullptr, Config(64, false, 12));  // 12-token prefill chunks
  ExpectSameLogprobs(RunAll(chunked, {b})[0], ref, 1e-4);
}

TEST(GemmaEngineTest, PreemptionAndBatchingMatchAlone) {
  std::mt19937 rng(2);
  std::vector<EngineRequest> reqs;
  for (int i = 0; i < 24; ++i) reqs.push_back(Request("r" + std::to_string(i), Prompt(9 + (i * 7) % 90, rng), 10));
  Engine e(TinyGemma(), nullptr, Config(24, true, 128));  // 24 blocks for 24 requests of 2-7 blocks
  const std::vector<Out> got = RunAll(e, reqs);
  EXPECT_GT(e.Stats().preemptions, 0);
  for (size_t i = 0; i < reqs.size(); ++i) {
    Engine alone(TinyGemma(), nullptr, Config(64, false));
    EXPECT_EQ(got[i].ids, RunAll(alone, {reqs[i]})[0].ids) << i;
    EXPECT_EQ(got[i].ids.size(), 10u);
  }
  EXPECT_EQ(e.Stats().kv_blocks_used, 0);
}

}  // namespace
}  // namespace vllm
