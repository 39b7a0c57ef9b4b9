// Prefix caching of a hybrid model through state snapshots (issue 16), end to end on a tiny
// random nemotron_h: a first request's prefill stops at its prompt's last full block boundary,
// where its recurrent state is saved and attached to that block; a second request sharing that
// 3-block prefix must start from the snapshot (counted in the prefix-cache stats: 48 hit tokens,
// one snapshot hit) and produce the logprobs of an engine without any caching (<= 1e-5).
// Evicting the block drops its snapshot; an engine without snapshots finds no prefix at all.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/engine.h"
#include "model/model.h"

namespace vllm {
namespace {

ModelConfig TinyNemotron() {
  return ParseModelConfig(R"({"model_type": "nemotron_h", "hidden_size": 64, "intermediate_size": 96,
    "vocab_size": 300, "hybrid_override_pattern": "ME*EM-", "num_attention_heads": 4, "num_key_value_heads": 2,
    "head_dim": 16, "mamba_num_heads": 8, "mamba_head_dim": 8, "ssm_state_size": 16, "n_groups": 2,
    "conv_kernel": 4, "n_routed_experts": 8, "num_experts_per_tok": 2, "moe_intermediate_size": 32,
    "n_shared_experts": 1, "moe_shared_expert_intermediate_size": 48, "routed_scaling_factor": 2.5,
    "norm_topk_prob": true, "layer_norm_epsilon": 1e-5, "max_position_embeddings": 512,
    "torch_dtype": "float32"})").value();
}

EngineConfig Config(bool snapshots) {
  return {.block_size = 16, .kv_cache_dtype = DType::kF32, .num_kv_blocks = 24, .enable_prefix_caching = true,
          .max_num_seqs = 4, .max_num_batched_tokens = 64, .max_model_len = 256, .check_invariants = true,
          .state_snapshot_memory_bytes = snapshots ? int64_t{8} << 20 : 0};
}

std::shared_ptr<Model> MakeModel() {
  return CreateDummyModel(TinyNemotron(), {.max_num_tokens = 64, .num_threads = 2}, 7).value();
}

struct Output {
  std::vector<int32_t> tokens;
  std::vector<TokenLogprob> logprobs;
};

Output Generate(Engine& e, const std::string& id, const std::vector<int32_t>& prompt) {
  EngineRequest r{.request_id = id, .prompt_token_ids = prompt};
  r.params.max_tokens = 6;
  r.params.temperature = 0;
  r.params.logprobs = 20;
  r.params.ignore_eos = true;
  auto stream = e.Submit(r).value();
  Output out;
  while (e.Step()) {
  }
  while (auto o = stream->Pop(std::chrono::milliseconds(0))) {
    out.tokens.insert(out.tokens.end(), o->new_token_ids.begin(), o->new_token_ids.end());
    out.logprobs.insert(out.logprobs.end(), o->logprobs.begin(), o->logprobs.end());
  }
  return out;
}

std::vector<int32_t> Prompt(const std::vector<int32_t>& prefix, std::vector<int32_t> tail) {
  std::vector<int32_t> p = prefix;
  p.insert(p.end(), tail.begin(), tail.end());
  return p;
}

void ExpectSameLogprobs(const Output& got, const Output& want) {
  ASSERT_EQ(got.tokens, want.tokens);
  ASSERT_EQ(got.logprobs.size(), want.logprobs.size());
  for (size_t i = 0; i < want.logprobs.size(); ++i) {
    ASSERT_EQ(got.logprobs[i].top.size(), want.logprobs[i].top.size());
    EXPECT_NEAR(got.logprobs[i].logprob, want.logprobs[i].logprob, 1e-5) << "step " << i;
    for (size_t j = 0; j < want.logprobs[i].top.size(); ++j) {
      EXPECT_EQ(got.logprobs[i].top[j].first, want.logprobs[i].top[j].first) << "step " << i << " rank " << j;
      EXPECT_NEAR(got.logprobs[i].top[j].second, want.logprobs[i].top[j].second, 1e-5) << "step " << i;
    }
  }
}

TEST(StateSnapshotTest, SecondRequestStartsFromTheSnapshotWithUncachedLogprobs) {
  std::vector<int32_t> prefix(48);  // 3 blocks of 16
  for (size_t i = 0; i < prefix.size(); ++i) prefix[i] = static_cast<int32_t>(5 + (i * 37) % 290);
  const std::vector<int32_t> a = Prompt(prefix, {7, 8, 9, 10, 11}), b = Prompt(prefix, {200, 3, 150, 4, 60, 61, 62});
  auto model = MakeModel();
  Engine cached(model, nullptr, Config(true));
  EXPECT_GT(cached.Stats().state_snapshots_total, 0);
  const Output run_a = Generate(cached, "a", a);
  EXPECT_EQ(cached.Stats().state_snapshots_attached, 1);
  const int64_t hits_before = cached.Stats().prefix.hit_tokens;
  const Output run_b = Generate(cached, "b", b);
  const EngineStats st = cached.Stats();
  EXPECT_EQ(st.prefix.hit_tokens - hits_before, 48) << "b must resume after the 3 shared blocks";
  EXPECT_EQ(st.state_snapshot_hits, 1);
  EXPECT_EQ(st.state_slots_free, st.state_slots_total);
  EXPECT_EQ(st.kv_blocks_used, 0);

  // The oracle: each prompt alone in an engine that caches nothing.
  Engine plain_a(MakeModel(), nullptr, Config(false)), plain_b(MakeModel(), nullptr, Config(false));
  ExpectSameLogprobs(run_a, Generate(plain_a, "a", a));
  ExpectSameLogprobs(run_b, Generate(plain_b, "b", b));
  EXPECT_EQ(plain_b.Stats().prefix.hit_tokens, 0);
  EXPECT_EQ(plain_b.Stats().state_snapshots_total, 0);
}

TEST(StateSnapshotTest, ChunkedAndPreemptedPromptsStillMatch) {
  // Prompts longer than the step budget (chunked; each chunk clipped at the snapshot point),
  // several at once in a cache too small for all: preemption recomputes from position 0 or
  // from a snapshot. Every result equals the prompt alone in an uncached engine.
  std::vector<int32_t> prefix(80);
  for (size_t i = 0; i < prefix.size(); ++i) prefix[i] = static_cast<int32_t>(3 + (i * 53) % 290);
  std::vector<std::vector<int32_t>> prompts;
  for (int k = 0; k < 6; ++k) prompts.push_back(Prompt(prefix, std::vector<int32_t>(3 + 9 * k, 17 + k)));
  auto model = MakeModel();
  EngineConfig c = Config(true);
  c.num_kv_blocks = 16;  // 6 prompts of 83..128 tokens: they cannot all stay resident
  Engine cached(model, nullptr, c);
  std::vector<std::shared_ptr<OutputStream>> streams;
  for (size_t k = 0; k < prompts.size(); ++k) {
    EngineRequest r{.request_id = "p" + std::to_string(k), .prompt_token_ids = prompts[k]};
    r.params.max_tokens = 6;
    r.params.temperature = 0;
    r.params.logprobs = 20;
    r.params.ignore_eos = true;
    streams.push_back(cached.Submit(r).value());
  }
  while (cached.Step()) {
  }
  EXPECT_GT(cached.Stats().state_snapshot_hits, 0);
  EXPECT_GT(cached.Stats().preemptions, 0) << "no preemption: the test proves less";
  for (size_t k = 0; k < prompts.size(); ++k) {
    Output got;
    while (auto o = streams[k]->Pop(std::chrono::milliseconds(0))) {
      got.tokens.insert(got.tokens.end(), o->new_token_ids.begin(), o->new_token_ids.end());
      got.logprobs.insert(got.logprobs.end(), o->logprobs.begin(), o->logprobs.end());
    }
    Engine plain(MakeModel(), nullptr, Config(false));
    SCOPED_TRACE("prompt " + std::to_string(k));
    ExpectSameLogprobs(got, Generate(plain, "x", prompts[k]));
  }
  EXPECT_EQ(cached.Stats().state_slots_free, cached.Stats().state_slots_total);
  EXPECT_EQ(cached.Stats().kv_blocks_used, 0);
}

}  // namespace
}  // namespace vllm
