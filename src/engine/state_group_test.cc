// The cache's state group end to end, through a test-only model whose one "recurrent layer"
// keeps a per-sequence 64-bit hash of every token it has consumed in its state slot, and whose
// logits pick the next token from that hash. Generated tokens therefore equal a plain
// simulation only if each sequence's slot persists across steps (decode, chunked prefill),
// is never shared between live sequences, and starts from zero when a sequence is (re)computed
// from position 0 after preemption. Slots must all be free when the engine is idle.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "engine/engine.h"
#include "model/model.h"

namespace vllm {
namespace {

constexpr int64_t kVocab = 256;
constexpr int32_t kEos = 3;

uint64_t Mix(uint64_t h, int32_t token) { return (h ^ static_cast<uint64_t>(token + 1)) * 0x100000001b3ull; }
int32_t NextToken(uint64_t h) { return 4 + static_cast<int32_t>((h >> 17) % (kVocab - 4)); }  // never EOS

class FakeStateModel final : public Model {
 public:
  FakeStateModel() {
    config_ = ParseModelConfig(R"({"model_type": "qwen3", "hidden_size": 64, "intermediate_size": 128,
      "num_hidden_layers": 1, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16,
      "vocab_size": 256, "rope_theta": 10000, "rms_norm_eps": 1e-6, "max_position_embeddings": 4096,
      "eos_token_id": 3})").value();
    backend_ = MakeBackend({.device = Device::kCpu, .num_threads = 1}).value();
  }
  const ModelConfig& config() const override { return config_; }
  int64_t max_num_tokens() const override { return 512; }
  Backend& backend() override { return *backend_; }
  size_t WeightBytes() const override { return 0; }
  KvCacheSpec MakeKvSpec(int64_t block_size, int64_t num_blocks, DType dtype) const override {
    return {.num_layers = 1, .num_kv_heads = 1, .head_dim = 1, .block_size = block_size, .num_blocks = num_blocks,
            .dtype = dtype};
  }
  StateSpec state_spec() const override { return {.num_layers = 1, .bytes_per_slot = sizeof(uint64_t)}; }

  void Forward(const BatchView& b, std::span<const KvLayer>, StateLayers state, float* logits) override {
    EXPECT_EQ(state.layers.size(), 1u);
    EXPECT_NE(b.state_slots, nullptr);
    auto* slots = static_cast<uint64_t*>(state.layers[0]);
    std::memset(logits, 0, sizeof(float) * static_cast<size_t>(b.num_logits * kVocab));
    int32_t next_logit = 0;
    for (int32_t s = 0; s < b.num_seqs; ++s) {
      const int32_t slot = b.state_slots[s];
      EXPECT_GE(slot, 0);
      uint64_t& h = slots[slot];
      if (b.positions[b.query_start[s]] == 0) h = 0;  // a fresh (or recomputed) sequence
      for (int32_t t = b.query_start[s]; t < b.query_start[s + 1]; ++t) {
        h = Mix(h, b.token_ids[t]);
        if (next_logit < b.num_logits && b.logits_indices[next_logit] == t)
          logits[static_cast<int64_t>(next_logit++) * kVocab + NextToken(h)] = 10.f;
      }
    }
    EXPECT_EQ(next_logit, b.num_logits);
  }

 private:
  ModelConfig config_;
  std::unique_ptr<Backend> backend_;
};

std::vector<int32_t> Simulate(const std::vector<int32_t>& prompt, int n) {
  uint64_t h = 0;
  for (int32_t t : prompt) h = Mix(h, t);
  std::vector<int32_t> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(NextToken(h));
    h = Mix(h, out.back());
  }
  return out;
}

EngineConfig Config(int64_t blocks, int32_t budget, int32_t max_seqs) {
  return {.block_size = 16, .kv_cache_dtype = DType::kF32, .num_kv_blocks = blocks, .enable_prefix_caching = true,
          .max_num_seqs = max_seqs, .max_num_batched_tokens = budget, .max_model_len = 1024,
          .check_invariants = true};
}

std::vector<int32_t> Drain(OutputStream& s, FinishReason* reason) {
  std::vector<int32_t> ids;
  while (auto o = s.Pop(std::chrono::milliseconds(0))) {
    ids.insert(ids.end(), o->new_token_ids.begin(), o->new_token_ids.end());
    if (o->finished) *reason = o->finish_reason;
  }
  return ids;
}

TEST(StateGroupTest, SlotsFollowSequencesThroughChunkingAndPreemption) {
  std::mt19937 rng(3);
  // 24 requests, 8 slots (max_num_seqs), 40 blocks of 16 tokens, 48-token budget: prefill is
  // chunked and memory runs out, so sequences are preempted and recomputed.
  Engine e(std::make_shared<FakeStateModel>(), nullptr, Config(40, 48, 8));
  EXPECT_EQ(e.Stats().state_slots_total, 8);
  std::vector<EngineRequest> reqs;
  std::vector<std::shared_ptr<OutputStream>> streams;
  for (int i = 0; i < 24; ++i) {
    EngineRequest r{.request_id = "s" + std::to_string(i)};
    for (int k = 0, n = 1 + static_cast<int>(rng() % 120); k < n; ++k)
      r.prompt_token_ids.push_back(4 + static_cast<int32_t>(rng() % (kVocab - 4)));
    r.params.max_tokens = 10 + i % 30;
    r.params.temperature = 0;
    reqs.push_back(r);
    streams.push_back(e.Submit(r).value());
  }
  std::vector<std::vector<int32_t>> got(reqs.size());
  std::vector<FinishReason> reasons(reqs.size(), FinishReason::kNone);
  auto drain = [&] {
    for (size_t i = 0; i < streams.size(); ++i) {
      auto ids = Drain(*streams[i], &reasons[i]);
      got[i].insert(got[i].end(), ids.begin(), ids.end());
    }
  };
  while (e.Step()) {
    EXPECT_LE(e.Stats().num_running, 8);
    drain();
  }
  drain();
  EXPECT_GT(e.Stats().preemptions, 0);
  for (size_t i = 0; i < reqs.size(); ++i) {
    EXPECT_EQ(got[i], Simulate(reqs[i].prompt_token_ids, reqs[i].params.max_tokens)) << "request " << i;
    EXPECT_EQ(reasons[i], FinishReason::kLength);
  }
  EngineStats st = e.Stats();
  EXPECT_EQ(st.state_slots_free, 8);
  EXPECT_EQ(st.kv_blocks_used, 0);
}

TEST(StateGroupTest, AbortAndStopFreeTheSlot) {
  Engine e(std::make_shared<FakeStateModel>(), nullptr, Config(64, 32, 4));
  auto submit = [&](const std::string& id, std::vector<int32_t> prompt, int max_tokens) {
    EngineRequest r{.request_id = id, .prompt_token_ids = std::move(prompt)};
    r.params.max_tokens = max_tokens;
    r.params.temperature = 0;
    return e.Submit(r).value();
  };
  std::vector<int32_t> long_prompt(100, 7);
  auto a = submit("a", long_prompt, 50);   // aborted mid-prefill (32-token budget)
  auto b = submit("b", {5, 6, 7}, 50);     // aborted mid-decode
  const std::vector<int32_t> c_expect = Simulate({9, 9}, 3);
  EngineRequest c{.request_id = "c", .prompt_token_ids = {9, 9}};
  c.params.max_tokens = 50;
  c.params.temperature = 0;
  c.params.stop_token_ids = {c_expect[2]};  // finishes on its third token
  auto cs = e.Submit(c).value();
  for (int i = 0; i < 4; ++i) e.Step();
  EXPECT_LT(e.Stats().state_slots_free, 4);
  e.Abort("a");
  e.Abort("b");
  while (e.Step()) {
  }
  FinishReason ra{}, rb{}, rc{};
  Drain(*a, &ra);
  Drain(*b, &rb);
  EXPECT_EQ(Drain(*cs, &rc), c_expect);
  EXPECT_EQ(ra, FinishReason::kAbort);
  EXPECT_EQ(rb, FinishReason::kAbort);
  EXPECT_EQ(rc, FinishReason::kStop);
  EXPECT_EQ(e.Stats().state_slots_free, 4);
  // A slot freed by an abort is reused from zero: the next sequence's tokens are its own.
  auto d = submit("d", {5, 6, 7}, 20);
  while (e.Step()) {
  }
  FinishReason rd{};
  EXPECT_EQ(Drain(*d, &rd), Simulate({5, 6, 7}, 20));
  EXPECT_EQ(e.Stats().state_slots_free, 4);
}

// The state budget clamps the slots below max_num_seqs (8 bytes per slot here: a 24-byte budget
// gives 3), and the running batch with them: every request still completes correctly.
TEST(StateGroupTest, StateBudgetClampsSlotsAndTheRunningBatch) {
  EngineConfig c = Config(64, 64, 8);
  c.state_cache_memory_bytes = 24;
  Engine e(std::make_shared<FakeStateModel>(), nullptr, c);
  EXPECT_EQ(e.Stats().state_slots_total, 3);
  std::vector<std::shared_ptr<OutputStream>> streams;
  std::vector<std::vector<int32_t>> prompts;
  for (int i = 0; i < 7; ++i) {
    prompts.push_back({static_cast<int32_t>(10 + i), 11, 12});
    EngineRequest r{.request_id = "r" + std::to_string(i), .prompt_token_ids = prompts.back()};
    r.params.max_tokens = 5;
    r.params.temperature = 0;
    streams.push_back(e.Submit(r).value());
  }
  while (e.Step()) EXPECT_LE(e.Stats().num_running, 3);
  for (size_t i = 0; i < streams.size(); ++i) {
    FinishReason reason{};
    EXPECT_EQ(Drain(*streams[i], &reason), Simulate(prompts[i], 5)) << "request " << i;
  }
  EXPECT_EQ(e.Stats().state_slots_free, 3);
}

}  // namespace
}  // namespace vllm
