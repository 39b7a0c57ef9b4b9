// Engine acceptance tests on a tiny random model (f32 weights, f32 KV): batch invariance
// (greedy and seeded sampling), prefix caching equal to uncached, memory pressure via
// preemption, abort everywhere, stop strings with the real tokenizer, n > 1 siblings.
#include "engine/engine.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <set>
#include <thread>

#include "model/model.h"
#include "tokenizer/test_tokenizers.h"

namespace vllm {
namespace {

std::string TinyConfig(int64_t vocab) {
  return R"({"model_type": "qwen3", "hidden_size": 64, "intermediate_size": 128,
    "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16,
    "vocab_size": )" + std::to_string(vocab) + R"(, "rope_theta": 10000, "rms_norm_eps": 1e-6,
    "tie_word_embeddings": false, "max_position_embeddings": 4096, "torch_dtype": "float32",
    "eos_token_id": 3})";
}

std::unique_ptr<Model> TinyModel(int64_t vocab = 512, int64_t max_tokens = 512, int threads = 2) {
  auto cfg = ParseModelConfig(TinyConfig(vocab));
  EXPECT_TRUE(cfg.ok()) << cfg.status().message();
  auto m = CreateDummyModel(cfg.value(), {.max_num_tokens = max_tokens, .num_threads = threads}, 7);
  EXPECT_TRUE(m.ok()) << m.status().message();
  return std::move(m.value());
}

EngineConfig Config(int64_t blocks, bool caching = true, int32_t budget = 256) {
  return {.block_size = 16, .kv_cache_dtype = DType::kF32, .num_kv_blocks = blocks, .enable_prefix_caching = caching,
          .max_num_seqs = 64, .max_num_batched_tokens = budget, .max_model_len = 1024,
          .check_invariants = true};
}

std::vector<int32_t> RandomPrompt(int n, std::mt19937& rng, int vocab = 512) {
  std::vector<int32_t> p(n);
  for (auto& t : p) t = 4 + static_cast<int32_t>(rng() % (vocab - 4));  // avoid EOS (3)
  return p;
}

struct Collected {
  std::vector<int32_t> ids;
  std::vector<TokenLogprob> logprobs;
  std::string text;
  FinishReason reason = FinishReason::kNone;
  Usage usage;
};

// Drains every stream, stepping the engine synchronously.
std::vector<Collected> RunAll(Engine& e, std::vector<std::shared_ptr<OutputStream>>& streams) {
  std::vector<Collected> out(streams.size());
  auto drain = [&] {
    for (size_t i = 0; i < streams.size(); ++i)
      while (auto o = streams[i]->Pop(std::chrono::milliseconds(0))) {
        out[i].ids.insert(out[i].ids.end(), o->new_token_ids.begin(), o->new_token_ids.end());
        out[i].logprobs.insert(out[i].logprobs.end(), o->logprobs.begin(), o->logprobs.end());
        out[i].text += o->text_delta;
        out[i].usage = o->usage;
        if (o->finished) out[i].reason = o->finish_reason;
      }
  };
  while (e.Step()) drain();
  drain();
  return out;
}

Collected RunAlone(const EngineRequest& r, EngineConfig cfg) {
  Engine e(TinyModel(), nullptr, cfg);
  std::vector<std::shared_ptr<OutputStream>> s = {e.Submit(r).value()};
  return RunAll(e, s)[0];
}

void ExpectPoolWhole(const Engine& e) {
  EngineStats st = e.Stats();
  EXPECT_EQ(st.kv_blocks_used, 0);
  EXPECT_EQ(st.num_running, 0);
  EXPECT_EQ(st.num_waiting, 0);
}

void BatchInvariance(bool sampled) {
  std::mt19937 rng(11);
  std::vector<EngineRequest> reqs;
  for (int i = 0; i < 32; ++i) {
    EngineRequest r{.request_id = "r" + std::to_string(i),
                    .prompt_token_ids = RandomPrompt(i == 0 ? 1 : 1 + static_cast<int>(rng() % 600), rng)};
    r.params.max_tokens = 1 + static_cast<int>(rng() % 24);
    r.params.temperature = sampled ? 0.8f : 0.f;
    r.params.top_p = sampled ? 0.9f : 1.f;
    r.params.seed = 1000 + i;
    r.params.ignore_eos = true;
    reqs.push_back(r);
  }
  Engine e(TinyModel(), nullptr, Config(1024, true, 200));
  std::vector<std::shared_ptr<OutputStream>> streams;
  // Staggered arrivals: a few steps between batches of submissions.
  for (size_t i = 0; i < reqs.size(); ++i) {
    streams.push_back(e.Submit(reqs[i]).value());
    if (i % 5 == 4)
      for (int k = 0; k < 3; ++k) e.Step();
  }
  std::vector<Collected> batched = RunAll(e, streams);
  for (size_t i = 0; i < reqs.size(); ++i) {
    Collected alone = RunAlone(reqs[i], Config(1024, false, 512));
    EXPECT_EQ(batched[i].ids, alone.ids) << "request " << i << " prompt " << reqs[i].prompt_token_ids.size();
    EXPECT_EQ(batched[i].ids.size(), static_cast<size_t>(reqs[i].params.max_tokens));
    EXPECT_EQ(batched[i].reason, FinishReason::kLength);
  }
  ExpectPoolWhole(e);
}

TEST(EngineTest, BatchInvarianceGreedy) { BatchInvariance(false); }
TEST(EngineTest, BatchInvarianceSeededSampling) { BatchInvariance(true); }

// Seeded sampling draws from Philox(seed, output position): the same tokens whatever the
// host pool size (the model and the sampler share it) and across runs.
TEST(EngineTest, SeededSamplingSameAcrossThreadCounts) {
  std::mt19937 rng(21);
  std::vector<EngineRequest> reqs;
  for (int i = 0; i < 12; ++i) {
    EngineRequest r{.request_id = "t" + std::to_string(i), .prompt_token_ids = RandomPrompt(1 + i * 13, rng)};
    r.params.max_tokens = 16;
    r.params.temperature = 1.0f;
    r.params.top_k = 50;
    r.params.seed = 77 + i;
    r.params.ignore_eos = true;
    reqs.push_back(r);
  }
  auto run = [&](int threads) {
    Engine e(TinyModel(512, 512, threads), nullptr, Config(256));
    std::vector<std::shared_ptr<OutputStream>> streams;
    for (auto& r : reqs) streams.push_back(e.Submit(r).value());
    std::vector<std::vector<int32_t>> ids;
    for (auto& c : RunAll(e, streams)) ids.push_back(c.ids);
    return ids;
  };
  const auto one = run(1);
  EXPECT_EQ(one, run(3));
  EXPECT_EQ(one, run(1));
  std::set<int32_t> distinct;  // sampled, not greedy: the draws vary along a sequence
  for (int32_t t : one[5]) distinct.insert(t);
  EXPECT_GT(distinct.size(), 4u);
}

TEST(EngineTest, PrefixCachingMatchesUncachedLogits) {
  std::mt19937 rng(3);
  std::vector<int32_t> shared = RandomPrompt(70, rng);  // 4 full blocks + 6
  EngineRequest a{.request_id = "a", .prompt_token_ids = shared};
  a.params.max_tokens = 4;
  a.params.temperature = 0;
  EngineRequest b = a;
  b.request_id = "b";
  b.prompt_token_ids.resize(64);
  for (int i = 0; i < 9; ++i) b.prompt_token_ids.push_back(5 + i);  // diverges after 4 blocks
  b.params.logprobs = 20;
  Engine cached(TinyModel(), nullptr, Config(64, true));
  std::vector<std::shared_ptr<OutputStream>> s1 = {cached.Submit(a).value()};
  RunAll(cached, s1);
  std::vector<std::shared_ptr<OutputStream>> s2 = {cached.Submit(b).value()};
  Collected hit = RunAll(cached, s2)[0];
  EXPECT_EQ(hit.usage.cached_prompt_tokens, 64);
  EXPECT_EQ(cached.Stats().prompt_tokens_computed, 70 + 9) << "only the uncached tail is computed";
  Collected ref = RunAlone(b, Config(64, false));
  EXPECT_EQ(ref.usage.cached_prompt_tokens, 0);
  ASSERT_EQ(hit.ids, ref.ids);
  ASSERT_EQ(hit.logprobs.size(), ref.logprobs.size());
  for (size_t t = 0; t < ref.logprobs.size(); ++t) {
    ASSERT_EQ(hit.logprobs[t].top.size(), 20u);
    double num = 0, den = 0;
    for (size_t k = 0; k < 20; ++k) {
      EXPECT_EQ(hit.logprobs[t].top[k].first, ref.logprobs[t].top[k].first);
      num += std::pow(hit.logprobs[t].top[k].second - ref.logprobs[t].top[k].second, 2);
      den += std::pow(ref.logprobs[t].top[k].second, 2);
    }
    EXPECT_LE(std::sqrt(num / den), 1e-5) << "step " << t;
  }
  // A shared prefix shorter than a block does not hit.
  EngineRequest c = a;
  c.request_id = "c";
  c.prompt_token_ids.resize(10);
  c.prompt_token_ids.push_back(9);
  std::vector<std::shared_ptr<OutputStream>> s3 = {cached.Submit(c).value()};
  EXPECT_EQ(RunAll(cached, s3)[0].usage.cached_prompt_tokens, 0);
  ExpectPoolWhole(cached);
}

TEST(EngineTest, MemoryPressurePreemptsButCompletesEverything) {
  std::mt19937 rng(5);
  std::vector<EngineRequest> reqs;
  for (int i = 0; i < 64; ++i) {
    EngineRequest r{.request_id = "m" + std::to_string(i), .prompt_token_ids = RandomPrompt(10 + i % 30, rng)};
    r.params.max_tokens = 12;
    r.params.temperature = 0;
    r.params.ignore_eos = true;
    reqs.push_back(r);
  }
  Engine e(TinyModel(), nullptr, Config(30, true, 256));  // 30 blocks for 64 requests
  std::vector<std::shared_ptr<OutputStream>> streams;
  for (auto& r : reqs) streams.push_back(e.Submit(r).value());
  std::vector<Collected> got = RunAll(e, streams);
  EXPECT_GT(e.Stats().preemptions, 0);
  for (size_t i = 0; i < reqs.size(); ++i) EXPECT_EQ(got[i].ids, RunAlone(reqs[i], Config(64, false)).ids) << i;
  for (auto& g : got) EXPECT_EQ(g.ids.size(), 12u);
  ExpectPoolWhole(e);
}

TEST(EngineTest, AbortAnywhereFreesEveryBlock) {
  std::mt19937 rng(9);
  Engine e(TinyModel(), nullptr, Config(64, true, 32));
  auto mk = [&](const std::string& id, int len) {
    EngineRequest r{.request_id = id, .prompt_token_ids = RandomPrompt(len, rng)};
    r.params.max_tokens = 50;
    r.params.ignore_eos = true;
    return e.Submit(r).value();
  };
  auto decoding = mk("decoding", 5);
  e.Step();
  e.Step();
  auto prefilling = mk("prefilling", 200);  // 32-token budget: several steps of prefill
  e.Step();
  auto waiting = mk("waiting", 10);
  auto queued = mk("queued", 10);  // never reaches the scheduler before the abort
  e.Abort("decoding");
  e.Abort("prefilling");
  e.Abort("queued");
  e.Step();
  e.Abort("waiting");
  e.Abort("waiting");      // twice: harmless
  e.Abort("no-such-id");   // unknown: harmless
  while (e.Step()) {
  }
  for (auto* s : {&decoding, &prefilling, &waiting, &queued}) {
    std::optional<RequestOutput> last;
    while (auto o = (*s)->Pop(std::chrono::milliseconds(0))) last = o;
    ASSERT_TRUE(last.has_value());
    EXPECT_TRUE(last->finished);
    EXPECT_EQ(last->finish_reason, FinishReason::kAbort);
    EXPECT_TRUE((*s)->Done());
  }
  ExpectPoolWhole(e);
  // The id can be reused once finished.
  auto again = mk("decoding", 3);
  EXPECT_TRUE(again != nullptr);
}

TEST(EngineTest, SubmitRejectsBadRequests) {
  Engine e(TinyModel(), nullptr, Config(8, true));
  EngineRequest r{.request_id = "x", .prompt_token_ids = {1, 2, 3}};
  r.params.max_tokens = 2000;
  EXPECT_NE(e.Submit(r).status().message().find("context length"), std::string::npos);
  r.params.max_tokens = 4;
  r.prompt_token_ids = {1, 99999};
  EXPECT_NE(e.Submit(r).status().message().find("outside the vocabulary"), std::string::npos);
  r.prompt_token_ids = {};
  EXPECT_FALSE(e.Submit(r).ok());
  r.prompt_token_ids = {1, 2};
  r.params.top_p = 0;
  EXPECT_NE(e.Submit(r).status().message().find("top_p"), std::string::npos);
  r.params.top_p = 1;
  r.params.stop = {"x"};
  EXPECT_NE(e.Submit(r).status().message().find("tokenizer"), std::string::npos);
  r.params.stop = {};
  ASSERT_TRUE(e.Submit(r).ok());
  EXPECT_NE(e.Submit(r).status().message().find("already in flight"), std::string::npos);
}

TEST(EngineTest, ZeroMaxTokensRunsThePromptAndSamplesNothing) {
  std::mt19937 rng(8);
  Engine e(TinyModel(), nullptr, Config(16, true));
  EngineRequest r{.request_id = "z", .prompt_token_ids = RandomPrompt(20, rng)};
  r.params.max_tokens = 0;
  std::vector<std::shared_ptr<OutputStream>> s = {e.Submit(r).value()};
  Collected c = RunAll(e, s)[0];
  EXPECT_TRUE(c.ids.empty());
  EXPECT_EQ(c.reason, FinishReason::kLength);
  EXPECT_EQ(c.usage.prompt_tokens, 20);
  EXPECT_EQ(e.Stats().prompt_tokens_computed, 20);
  ExpectPoolWhole(e);
}

TEST(EngineTest, SiblingsShareThePromptBlocks) {
  std::mt19937 rng(4);
  Engine e(TinyModel(), nullptr, Config(64, true));
  EngineRequest r{.request_id = "n", .prompt_token_ids = RandomPrompt(50, rng)};
  r.params.n = 3;
  r.params.max_tokens = 5;
  r.params.temperature = 1.0f;
  r.params.seed = 42;
  r.params.ignore_eos = true;
  auto stream = e.Submit(r).value();
  std::vector<std::shared_ptr<OutputStream>> s = {stream};
  Collected all = RunAll(e, s)[0];
  EXPECT_EQ(all.ids.size(), 15u);
  EXPECT_EQ(e.Stats().prefix.hit_tokens, 2 * 48) << "siblings 2 and 3 reuse the 3 full prompt blocks";
  EXPECT_EQ(e.Stats().prompt_tokens_computed, 50 + 2 * 2);
  ExpectPoolWhole(e);
}

// Stop strings with the real Qwen3 tokenizer: a stop string that spans a token boundary
// ends the output exactly before it (or after it with include_stop_str_in_output).
TEST(EngineTest, StopStringsAcrossTokenBoundaries) {
  auto tok = Tokenizer::FromDirectory(testing::Qwen3Dir());
  ASSERT_TRUE(tok.ok()) << tok.status().message() << " (run scripts/setup.sh)";
  std::shared_ptr<const Tokenizer> shared = std::move(tok.value());
  auto run = [&](std::vector<std::string> stops, bool include) {
    Engine e(TinyModel(151936, 64), shared, Config(64, true, 64));
    EngineRequest r{.request_id = "s", .prompt_token_ids = shared->Encode("Once upon a time").value()};
    r.params.max_tokens = 40;
    r.params.ignore_eos = true;
    r.params.stop = std::move(stops);
    r.params.include_stop_str_in_output = include;
    auto stream = e.Submit(r).value();
    std::vector<std::string> deltas;
    FinishReason reason = FinishReason::kNone;
    while (e.Step() || !stream->Done())
      while (auto o = stream->Pop(std::chrono::milliseconds(0))) {
        deltas.push_back(o->text_delta);
        if (o->finished) reason = o->finish_reason;
      }
    return std::make_pair(deltas, reason);
  };
  auto [deltas, reason] = run({}, false);
  EXPECT_EQ(reason, FinishReason::kLength);
  std::string text;
  size_t boundary = 0;  // a delta boundary with at least 2 characters of text on each side
  for (const auto& d : deltas) {
    text += d;
    if (!boundary && text.size() >= 6 && !d.empty()) boundary = text.size();
  }
  ASSERT_GT(text.size(), boundary + 6) << "the random model produced too little text: " << text;
  // Widen to UTF-8 character boundaries around the token boundary.
  size_t a = boundary - 2, b = boundary + 2;
  while (a > 0 && (static_cast<unsigned char>(text[a]) & 0xC0) == 0x80) --a;
  while (b < text.size() && (static_cast<unsigned char>(text[b]) & 0xC0) == 0x80) ++b;
  const std::string stop = text.substr(a, b - a);
  const size_t first = text.find(stop);
  RecordProperty("stop", stop);
  auto [d2, r2] = run({"never-appears-zzz", stop}, false);
  std::string cut;
  for (const auto& d : d2) cut += d;
  EXPECT_EQ(r2, FinishReason::kStop);
  EXPECT_EQ(cut, text.substr(0, first));
  auto [d3, r3] = run({stop}, true);
  std::string kept;
  for (const auto& d : d3) kept += d;
  EXPECT_EQ(r3, FinishReason::kStop);
  EXPECT_EQ(kept, text.substr(0, first + stop.size()));
}

TEST(EngineTest, ThreadedSubmitAndAbort) {
  Engine e(TinyModel(), nullptr, Config(600, true));
  e.Start();
  std::vector<std::thread> clients;
  std::atomic<int> completed{0}, aborted{0};
  for (int c = 0; c < 8; ++c)
    clients.emplace_back([&, c] {
      std::mt19937 rng(c);
      EngineRequest r{.request_id = "t" + std::to_string(c), .prompt_token_ids = RandomPrompt(20, rng)};
      // Aborting clients ask for far more tokens than they will wait for, so the abort
      // always lands before a natural finish.
      r.params.max_tokens = c % 2 == 1 ? 1000 : 30;
      r.params.ignore_eos = true;
      auto s = e.Submit(r).value();
      int got = 0;
      while (true) {
        auto o = s->Pop(std::chrono::milliseconds(2000));
        ASSERT_TRUE(o.has_value()) << "stream stalled";
        got += static_cast<int>(o->new_token_ids.size());
        if (c % 2 == 1 && got >= 3) e.Abort(r.request_id);
        if (o->finished) {
          (o->finish_reason == FinishReason::kAbort ? aborted : completed)++;
          break;
        }
      }
    });
  for (auto& t : clients) t.join();
  e.Stop();
  EXPECT_EQ(completed.load(), 4);
  EXPECT_EQ(aborted.load(), 4);
  ExpectPoolWhole(e);
}

}  // namespace
}  // namespace vllm
