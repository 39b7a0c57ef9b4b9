// EngineGroup (data-parallel replicas): routing by load and prefix-cache affinity, results
// equal to one engine's, abort and stats across replicas.
#include "engine/engine_group.h"

#include <gtest/gtest.h>

#include <random>

#include "model/model.h"

namespace vllm {
namespace {

std::unique_ptr<Engine> TinyEngine() {
  auto cfg = ParseModelConfig(R"({"model_type": "qwen3", "hidden_size": 64, "intermediate_size": 128,
    "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16,
    "vocab_size": 512, "rope_theta": 10000, "rms_norm_eps": 1e-6, "tie_word_embeddings": false,
    "max_position_embeddings": 4096, "torch_dtype": "float32", "eos_token_id": 3})");
  EXPECT_TRUE(cfg.ok());
  auto m = CreateDummyModel(cfg.value(), {.max_num_tokens = 256, .num_threads = 1}, 7);
  EXPECT_TRUE(m.ok());
  return std::make_unique<Engine>(std::move(m.value()), nullptr,
                                  EngineConfig{.block_size = 16, .kv_cache_dtype = DType::kF32, .num_kv_blocks = 64,
                                               .max_num_seqs = 8, .max_num_batched_tokens = 256,
                                               .max_model_len = 512});
}

std::unique_ptr<EngineGroup> Group(int n, int64_t slack = 4) {
  std::vector<std::unique_ptr<Engine>> engines;
  for (int i = 0; i < n; ++i) engines.push_back(TinyEngine());
  return std::make_unique<EngineGroup>(std::move(engines), slack);
}

std::vector<int32_t> Prompt(int n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<int32_t> p(n);
  for (auto& t : p) t = 4 + static_cast<int32_t>(rng() % 500);
  return p;
}

EngineRequest Greedy(std::string id, std::vector<int32_t> prompt, int max_tokens = 6) {
  EngineRequest r{.request_id = std::move(id), .prompt_token_ids = std::move(prompt)};
  r.params.temperature = 0;
  r.params.max_tokens = max_tokens;
  r.params.ignore_eos = true;
  return r;
}

std::vector<int32_t> Drain(OutputStream& s) {
  std::vector<int32_t> ids;
  for (;;) {
    auto o = s.Pop(std::chrono::milliseconds(30000));
    EXPECT_TRUE(o.has_value()) << "no output within 30 s";
    if (!o) return ids;
    ids.insert(ids.end(), o->new_token_ids.begin(), o->new_token_ids.end());
    if (o->finished) return ids;
  }
}

TEST(EngineGroupTest, RoutesByLoadThenByPrefixAffinity) {
  auto g = Group(2);  // not started: submitted requests stay waiting, so load is visible
  const std::vector<int32_t> a = Prompt(40, 1), b = Prompt(40, 2);
  ASSERT_TRUE(g->Submit(Greedy("a", a)).ok());
  ASSERT_TRUE(g->Submit(Greedy("b", b)).ok());
  EXPECT_EQ(g->Routed(), (std::vector<int64_t>{1, 1}));  // idle group: one each
  std::vector<int32_t> a2(a.begin(), a.begin() + 32);  // a's first two blocks, then new tokens
  for (int32_t t : Prompt(20, 3)) a2.push_back(t);
  EXPECT_EQ(g->Route(a2, 0), 0) << "a prompt sharing a's cached blocks goes where a went";
  EXPECT_EQ(g->Route(std::vector<int32_t>(b.begin(), b.begin() + 16), 0), 1);
  EXPECT_EQ(g->Route(a2, /*cache_salt=*/9), 0) << "a different salt shares nothing: least loaded (tie -> 0)";
  // Pile requests with a's prefix onto replica 0 until it is busier than 1 by more than the slack.
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(g->Submit(Greedy("a" + std::to_string(i), a2)).ok());
  EXPECT_EQ(g->Routed(), (std::vector<int64_t>{6, 1}));
  EXPECT_EQ(g->Route(a2, 0), 1) << "the owner is 5 requests busier (slack 4): balance instead";
  const EngineStats st = g->Stats();
  EXPECT_EQ(st.num_waiting, 7);
  EXPECT_EQ(st.kv_blocks_total, 128);
  EXPECT_EQ(g->config().max_num_seqs, 16);
}

TEST(EngineGroupTest, ResetPrefixCacheForgetsAffinity) {
  auto g = Group(2);
  const std::vector<int32_t> a = Prompt(40, 1);
  ASSERT_TRUE(g->Submit(Greedy("a", a)).ok());
  ASSERT_TRUE(g->Submit(Greedy("b", Prompt(40, 2))).ok());
  ASSERT_TRUE(g->Submit(Greedy("c", Prompt(40, 3))).ok());  // replica 0 now has 2, replica 1 has 1
  EXPECT_EQ(g->Route(a, 0), 0);
  g->ResetPrefixCache();
  EXPECT_EQ(g->Route(a, 0), 1) << "no remembered prefix: least loaded";
}

TEST(EngineGroupTest, ReplicasGiveOneEnginesGreedyTokensAndAbortReachesThem) {
  auto one = Group(1);
  auto two = Group(2);
  one->Start();
  two->Start();
  std::vector<std::vector<int32_t>> prompts;
  for (uint32_t i = 0; i < 4; ++i) prompts.push_back(Prompt(20 + 7 * i, 10 + i));
  std::vector<std::shared_ptr<OutputStream>> s1, s2;
  for (size_t i = 0; i < prompts.size(); ++i) {
    s1.push_back(one->Submit(Greedy("r" + std::to_string(i), prompts[i])).value());
    s2.push_back(two->Submit(Greedy("r" + std::to_string(i), prompts[i])).value());
  }
  for (size_t i = 0; i < prompts.size(); ++i) {
    const std::vector<int32_t> want = Drain(*s1[i]);
    EXPECT_EQ(want.size(), 6u);
    EXPECT_EQ(Drain(*s2[i]), want) << "request " << i;
  }
  const std::vector<int64_t> routed = two->Routed();
  EXPECT_GT(routed[0], 0);
  EXPECT_GT(routed[1], 0);
  // A long request aborted through the group ends with "abort" on whichever replica has it.
  auto long_stream = two->Submit(Greedy("long", Prompt(30, 99), 400)).value();
  two->Abort("long");
  FinishReason reason = FinishReason::kNone;
  for (;;) {
    auto o = long_stream->Pop(std::chrono::milliseconds(30000));
    ASSERT_TRUE(o.has_value());
    if (o->finished) {
      reason = o->finish_reason;
      break;
    }
  }
  EXPECT_EQ(reason, FinishReason::kAbort);
  EXPECT_GE(two->Stats().finished_requests, 4) << "stats sum over the replicas";
  one->Stop();
  two->Stop();
}

}  // namespace
}  // namespace vllm
