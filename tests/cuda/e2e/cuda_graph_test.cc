// CUDA graphs for decode steps (runner/decode_graph.h) on the device: an engine replaying
// captured, padded decode graphs gives bit-identical logprobs and tokens to the same engine
// run eagerly (--enforce-eager), for 32 staggered requests of mixed lengths (so steps of many
// batch sizes and block-table strides, each padded to its bucket), greedy and seeded random
// draws, with and without logprobs; then a successive engine on the same model (graphs of
// the first one must not be replayed over the second one's buffers). And batch invariance:
// each request alone gives the bits it gives among the 32.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>

#include "engine/engine.h"
#include "kernels/cuda/cuda_backend.h"
#include "model/model.h"
#include "model/presets.h"

namespace vllm {
namespace {

struct Collected {  // one request's tokens and logprobs
  std::vector<int32_t> ids;
  std::vector<TokenLogprob> logprobs;
};

std::shared_ptr<Model> SmallQwen3(int layers) {
  const Preset* preset = FindPreset("mlx-community/Qwen3-0.6B-8bit");
  CHECK(preset != nullptr);
  auto cfg = ParseModelConfig(preset->config_json);
  CHECK(cfg.ok()) << cfg.status().message();
  cfg->num_hidden_layers = layers;  // a cut of the preset: same shapes per layer
  auto backend = MakeCudaBackend({.device = Device::kCuda, .num_threads = 4});
  CHECK(backend.ok()) << backend.status().message();
  auto m = CreateDummyModelOn(std::move(backend).value(), *cfg, 512, 42);
  CHECK(m.ok()) << m.status().message();
  return std::shared_ptr<Model>(std::move(m).value());
}

// 32 requests, prompts of 3..200 tokens, 20..40 new tokens; greedy, seeded random draws
// (device sampler) and logprob rows (host sampler).
std::vector<EngineRequest> Workload() {
  std::mt19937 rng(5);
  std::vector<EngineRequest> reqs;
  for (int i = 0; i < 32; ++i) {
    EngineRequest r{.request_id = "r" + std::to_string(i), .prompt_token_ids = {}};
    const int len = 3 + static_cast<int>(rng() % 198);
    for (int t = 0; t < len; ++t) r.prompt_token_ids.push_back(static_cast<int32_t>(rng() % 150000));
    r.params.max_tokens = 20 + static_cast<int32_t>(rng() % 21);
    r.params.ignore_eos = true;
    if (i % 3 == 1) r.params.logprobs = 5;
    if (i % 4 == 2) {
      r.params.temperature = 0.8f;
      r.params.top_p = 0.9f;
      r.params.seed = 1000 + i;
    } else {
      r.params.temperature = 0.f;
    }
    reqs.push_back(std::move(r));
  }
  return reqs;
}

// Runs `reqs` arriving 4 per 3 steps (decode steps of every size from 1 to 32, and mixed
// prefill + decode steps), or each alone in a fresh engine when `alone`.
std::vector<Collected> RunWorkload(std::shared_ptr<Model> model, bool eager, bool alone,
                                   const std::vector<EngineRequest>& reqs, int* num_steps) {
  EngineConfig cfg{.block_size = 16, .num_kv_blocks = 2048, .max_num_seqs = 64, .max_num_batched_tokens = 512,
                   .max_model_len = 1024, .seed = 7, .enforce_eager = eager};
  std::vector<Collected> out(reqs.size());
  *num_steps = 0;
  auto run = [&](size_t first, size_t count, int per_burst) {
    Engine e(model, nullptr, cfg);
    std::vector<std::shared_ptr<OutputStream>> streams;
    auto drain = [&] {
      for (size_t i = 0; i < streams.size(); ++i)
        while (auto o = streams[i]->Pop(std::chrono::milliseconds(0))) {
          Collected& c = out[first + i];
          c.ids.insert(c.ids.end(), o->new_token_ids.begin(), o->new_token_ids.end());
          c.logprobs.insert(c.logprobs.end(), o->logprobs.begin(), o->logprobs.end());
        }
    };
    for (size_t i = first; i < first + count; ++i) {
      auto s = e.Submit(reqs[i]);
      CHECK(s.ok()) << s.status().message();
      streams.push_back(*s);
      if ((i - first) % per_burst == static_cast<size_t>(per_burst - 1))
        for (int k = 0; k < 3; ++k) e.Step(), drain(), ++*num_steps;
    }
    while (e.Step()) drain(), ++*num_steps;
    drain();
  };
  if (alone) {
    for (size_t i = 0; i < reqs.size(); ++i) run(i, 1, 1);
  } else {
    run(0, reqs.size(), 4);
  }
  return out;
}

// Tokens equal and every logprob (chosen and top-5) equal bit for bit.
void ExpectSameBits(const std::vector<Collected>& a, const std::vector<Collected>& b, const std::string& what) {
  size_t compared = 0;
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_FALSE(a[i].ids.empty());
    EXPECT_EQ(a[i].ids, b[i].ids) << what << ": request " << i;
    ASSERT_EQ(a[i].logprobs.size(), b[i].logprobs.size()) << what;
    for (size_t j = 0; j < a[i].logprobs.size(); ++j) {
      const TokenLogprob &x = a[i].logprobs[j], &y = b[i].logprobs[j];
      EXPECT_EQ(std::memcmp(&x.logprob, &y.logprob, sizeof(float)), 0)
          << what << ": request " << i << " token " << j << ": " << x.logprob << " vs " << y.logprob;
      ASSERT_EQ(x.top.size(), y.top.size());
      for (size_t k = 0; k < x.top.size(); ++k) {
        EXPECT_EQ(x.top[k].first, y.top[k].first) << what;
        EXPECT_EQ(std::memcmp(&x.top[k].second, &y.top[k].second, sizeof(float)), 0) << what;
      }
      ++compared;
    }
  }
  EXPECT_GT(compared, 100u) << what << ": the logprob rows must be compared";
}

TEST(CudaGraphTest, GraphReplayEqualsEagerBitForBit) {
  auto model = SmallQwen3(4);
  const std::vector<EngineRequest> reqs = Workload();
  int steps_eager = 0, steps_graph = 0, steps_again = 0;
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<Collected> eager = RunWorkload(model, true, false, reqs, &steps_eager);
  const auto t1 = std::chrono::steady_clock::now();
  EXPECT_EQ(model->backend().graph_stats().replays, 0) << "--enforce-eager replays nothing";
  const std::vector<Collected> graph = RunWorkload(model, false, false, reqs, &steps_graph);
  const auto t2 = std::chrono::steady_clock::now();
  const Backend::GraphStats st = model->backend().graph_stats();
  std::printf("[ graphs ] %d steps: eager %.1f ms, graphs %.1f ms (captures included); %lld captures, %lld replays\n",
              steps_eager, std::chrono::duration<double, std::milli>(t1 - t0).count(),
              std::chrono::duration<double, std::milli>(t2 - t1).count(), static_cast<long long>(st.captures),
              static_cast<long long>(st.replays));
  EXPECT_EQ(steps_eager, steps_graph);
  EXPECT_GE(st.captures, 6) << "decode steps of many sizes: several buckets captured";
  EXPECT_GE(st.replays, steps_graph / 2) << "most steps are pure decode";
  ExpectSameBits(eager, graph, "graphs vs eager");
  // A second graphed engine on the same model: its runner must capture its own graphs.
  const std::vector<Collected> again = RunWorkload(model, false, false, reqs, &steps_again);
  ExpectSameBits(eager, again, "second engine vs eager");
}

// Batch invariance: each of the 32 requests alone gives the bits it gives among the others
// (staggered arrivals, so its decode tokens share steps of 1..32 sequences with prefills).
TEST(CudaGraphTest, BatchedEqualsAloneBitForBit) {
  auto model = SmallQwen3(4);
  const std::vector<EngineRequest> reqs = Workload();
  int steps = 0;
  const std::vector<Collected> batched = RunWorkload(model, false, false, reqs, &steps);
  const std::vector<Collected> alone = RunWorkload(model, false, true, reqs, &steps);
  ExpectSameBits(alone, batched, "batched vs alone");
}

}  // namespace
}  // namespace vllm
