// Scheduler policy without a model: token budgets, chunked prefill, max_num_seqs,
// prefix hits on admission, preemption order and recovery, admission rejections, abort.
#include "scheduler/scheduler.h"

#include <gtest/gtest.h>

#include <numeric>

namespace vllm {
namespace {

std::vector<int32_t> Tokens(int n, int start = 0) {
  std::vector<int32_t> v(n);
  std::iota(v.begin(), v.end(), start);
  return v;
}

// Runs one step, "sampling" `token` for every sequence that samples; the sequences the
// scheduler stopped go to *finished when given.
SchedulerOutput Step(Scheduler& s, std::vector<FinishedSeq>* finished = nullptr, int32_t token = 7) {
  SchedulerOutput out = s.Schedule();
  std::vector<int32_t> sampled;
  for (const auto& q : out.seqs)
    if (q.samples) sampled.push_back(token);
  std::vector<FinishedSeq> f = s.Update(out, sampled);
  if (finished) finished->insert(finished->end(), f.begin(), f.end());
  return out;
}

struct Fixture {
  KvCacheManager kv;
  Scheduler s;
  Fixture(int blocks, int bs, SchedulerConfig cfg, bool caching = true)
      : kv({.num_blocks = blocks, .block_size = bs, .enable_prefix_caching = caching}), s(cfg, &kv) {}
};

TEST(SchedulerTest, DecodesFirstThenChunkedPrefill) {
  Fixture f(64, 4, {.max_num_seqs = 8, .max_num_batched_tokens = 10, .max_model_len = 100});
  ASSERT_TRUE(f.s.Add(SchedRequest::Make(1, Tokens(6), 10)).ok());
  SchedulerOutput o = Step(f.s);
  ASSERT_EQ(o.seqs.size(), 1u);
  EXPECT_EQ(o.seqs[0].num_new_tokens, 6);
  EXPECT_TRUE(o.seqs[0].samples);
  ASSERT_TRUE(f.s.Add(SchedRequest::Make(2, Tokens(25, 100), 3)).ok());
  o = Step(f.s);
  ASSERT_EQ(o.seqs.size(), 2u);
  EXPECT_EQ(o.seqs[0].seq_id, 1);  // the decode goes first
  EXPECT_EQ(o.seqs[0].num_new_tokens, 1);
  EXPECT_EQ(o.seqs[1].seq_id, 2);
  EXPECT_EQ(o.seqs[1].num_new_tokens, 9);  // chunked to the remaining budget
  EXPECT_FALSE(o.seqs[1].samples);
  o = Step(f.s);
  EXPECT_EQ(o.seqs[1].num_computed_before, 9);
  EXPECT_EQ(o.seqs[1].num_new_tokens, 9);
  o = Step(f.s);  // seq 1 has sampled 3 of its 10 tokens: still decoding
  EXPECT_EQ(o.seqs[1].num_new_tokens, 7);
  EXPECT_TRUE(o.seqs[1].samples);
  EXPECT_EQ(f.s.Get(2)->num_output_tokens(), 1);
  EXPECT_EQ(o.num_batched_tokens, 8);
}

// Token-level stops: EOS (unless ignore_eos), stop ids, both only after min_tokens;
// max_tokens ends with kLength (admission already bounds prompt + max_tokens by
// max_model_len); max_tokens 0 keeps no token.
TEST(SchedulerTest, UpdateStopsOnEosStopIdsAndLengths) {
  auto run = [](StopCriteria stop, int32_t token) {
    Fixture f(64, 4, {.max_num_seqs = 8, .max_num_batched_tokens = 64, .max_model_len = 100,
                      .eos_token_ids = {2, 3}});
    SchedRequest r = SchedRequest::Make(1, Tokens(5, 10), stop.max_tokens);
    r.stop = stop;
    EXPECT_TRUE(f.s.Add(std::move(r)).ok());
    std::vector<FinishedSeq> finished;
    int steps = 0;
    while (finished.empty() && steps < 50) Step(f.s, &finished, token), ++steps;
    EXPECT_EQ(f.kv.pool().NumUsedBlocks(), 0) << "blocks released with the sequence";
    return finished.empty() ? FinishedSeq{} : finished[0];
  };
  FinishedSeq d = run({.max_tokens = 10}, 3);
  EXPECT_EQ(d.reason, FinishReason::kStop);
  EXPECT_EQ(d.stop_token_id, 3);
  EXPECT_EQ(d.num_output_tokens, 1);
  d = run({.max_tokens = 10, .min_tokens = 4}, 2);
  EXPECT_EQ(d.reason, FinishReason::kStop);
  EXPECT_EQ(d.num_output_tokens, 4) << "EOS waits for min_tokens";
  d = run({.max_tokens = 6, .ignore_eos = true}, 2);
  EXPECT_EQ(d.reason, FinishReason::kLength);
  EXPECT_EQ(d.stop_token_id, -1);
  EXPECT_EQ(d.num_output_tokens, 6);
  d = run({.max_tokens = 10, .stop_token_ids = {7, 9}}, 9);
  EXPECT_EQ(d.reason, FinishReason::kStop);
  EXPECT_EQ(d.stop_token_id, 9);
  d = run({.max_tokens = 0}, 3);
  EXPECT_EQ(d.reason, FinishReason::kLength);
  EXPECT_EQ(d.num_output_tokens, 0);
}

TEST(SchedulerTest, MaxNumSeqsLimitsAdmission) {
  Fixture f(64, 4, {.max_num_seqs = 2, .max_num_batched_tokens = 100, .max_model_len = 100});
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(f.s.Add(SchedRequest::Make(i, Tokens(5), 4)).ok());
  SchedulerOutput o = Step(f.s);
  EXPECT_EQ(o.seqs.size(), 2u);
  EXPECT_EQ(f.s.num_waiting(), 1);
  f.s.Finish(0);
  o = Step(f.s);
  EXPECT_EQ(o.seqs.size(), 2u);
  EXPECT_EQ(o.seqs[1].seq_id, 2);
}

TEST(SchedulerTest, RejectsRequestsThatCanNeverRun) {
  Fixture f(4, 4, {.max_num_seqs = 8, .max_num_batched_tokens = 100, .max_model_len = 32});
  Status st = f.s.Add(SchedRequest::Make(1, Tokens(30), 5));
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("context length 32"), std::string::npos) << st.message();
  st = f.s.Add(SchedRequest::Make(2, Tokens(15), 5));  // 20 tokens = 5 blocks > 4
  EXPECT_NE(st.message().find("KV blocks"), std::string::npos) << st.message();
  EXPECT_FALSE(f.s.Add(SchedRequest::Make(3, {}, 5)).ok());
  EXPECT_FALSE(f.s.HasWork());
}

TEST(SchedulerTest, PrefixHitSkipsCachedTokens) {
  Fixture f(64, 4, {.max_num_seqs = 8, .max_num_batched_tokens = 100, .max_model_len = 100});
  ASSERT_TRUE(f.s.Add(SchedRequest::Make(1, Tokens(13), 2)).ok());
  Step(f.s);
  std::vector<int32_t> p = Tokens(13);
  p[12] = 99;
  ASSERT_TRUE(f.s.Add(SchedRequest::Make(2, p, 2)).ok());
  SchedulerOutput o = Step(f.s);
  ASSERT_EQ(o.seqs.size(), 2u);
  EXPECT_EQ(o.seqs[1].num_computed_before, 12);
  EXPECT_EQ(o.seqs[1].num_new_tokens, 1);
  EXPECT_EQ(f.s.Get(2)->num_cached_prompt_tokens, 12);
  EXPECT_EQ(f.kv.stats().hit_tokens, 12);
}

TEST(SchedulerTest, PreemptsNewestAndRecomputesWithoutLosingTokens) {
  // 6 blocks of 2: three sequences of 3 prompt tokens growing to 8 tokens each cannot all fit.
  Fixture f(6, 2, {.max_num_seqs = 8, .max_num_batched_tokens = 64, .max_model_len = 64}, false);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(f.s.Add(SchedRequest::Make(i, Tokens(3, 10 * i), 5)).ok());
  std::vector<int> finished_outputs;
  int64_t preemptions = 0;
  for (int step = 0; step < 100 && f.s.HasWork(); ++step) {
    std::vector<FinishedSeq> finished;
    SchedulerOutput o = Step(f.s, &finished);
    preemptions += static_cast<int64_t>(o.preempted.size());
    for (const FinishedSeq& d : finished) {
      EXPECT_EQ(d.reason, FinishReason::kLength);
      EXPECT_EQ(f.s.Get(d.seq_id), nullptr) << "finished sequences are released";
      finished_outputs.push_back(static_cast<int>(d.num_output_tokens));
    }
    ASSERT_TRUE(f.kv.pool().CheckInvariants().ok());
  }
  EXPECT_FALSE(f.s.HasWork()) << "no deadlock";
  EXPECT_EQ(finished_outputs, (std::vector<int>{5, 5, 5}));
  EXPECT_GT(preemptions, 0);
  EXPECT_EQ(f.s.stats().num_preemptions, preemptions);
  EXPECT_EQ(f.kv.pool().NumFreeBlocks(), 6);
}

TEST(SchedulerTest, PreemptedRequestGoesBackToTheFrontAndIsNewestFirst) {
  Fixture f(4, 2, {.max_num_seqs = 8, .max_num_batched_tokens = 64, .max_model_len = 64}, false);
  ASSERT_TRUE(f.s.Add(SchedRequest::Make(1, Tokens(3), 3)).ok());
  ASSERT_TRUE(f.s.Add(SchedRequest::Make(2, Tokens(3), 3)).ok());
  ASSERT_TRUE(f.s.Add(SchedRequest::Make(3, Tokens(1), 1)).ok());
  Step(f.s);  // 1 and 2 take 2 blocks each; 3 waits
  EXPECT_EQ(f.s.num_running(), 2);
  SchedulerOutput o = Step(f.s);  // both need a third block at 4 tokens? 3+1 = 4 fits in 2 blocks
  o = Step(f.s);                  // 5 tokens: seq 1 needs block 3 -> preempts seq 2 (newest)
  ASSERT_EQ(o.preempted, (std::vector<int64_t>{2}));
  EXPECT_EQ(f.s.Get(2)->status, RequestStatus::kWaiting);
  EXPECT_EQ(f.s.Get(2)->num_computed_tokens, 0);
  EXPECT_EQ(f.s.Get(2)->num_output_tokens(), 2) << "generated tokens are kept for recompute";
  f.s.Finish(1);
  o = Step(f.s);
  ASSERT_FALSE(o.seqs.empty());
  EXPECT_EQ(o.seqs[0].seq_id, 2) << "the preempted request is re-admitted before request 3";
  EXPECT_EQ(o.seqs[0].num_new_tokens, 5);
}

TEST(SchedulerTest, AbortFreesBlocksEverywhereAndUnknownIdsAreHarmless) {
  Fixture f(16, 4, {.max_num_seqs = 8, .max_num_batched_tokens = 8, .max_model_len = 64});
  ASSERT_TRUE(f.s.Add(SchedRequest::Make(1, Tokens(20), 4)).ok());  // mid-prefill after 1 step
  ASSERT_TRUE(f.s.Add(SchedRequest::Make(2, Tokens(3), 4)).ok());   // waiting
  Step(f.s);
  EXPECT_EQ(f.s.Get(1)->num_computed_tokens, 8);
  EXPECT_TRUE(f.s.Finish(2));
  EXPECT_TRUE(f.s.Finish(1));
  EXPECT_FALSE(f.s.Finish(1));
  EXPECT_FALSE(f.s.Finish(12345));
  EXPECT_EQ(f.kv.pool().NumFreeBlocks(), 16);
  EXPECT_EQ(f.kv.num_sequences(), 0);
  EXPECT_TRUE(f.kv.pool().CheckInvariants().ok());
  EXPECT_TRUE(f.s.Schedule().empty());
}

// Prompt logprobs: every prompt row's logits are needed, so a prefix hit may not skip rows,
// and the step's prompt-logits rows (one [vocab] row each) are capped across sequences.
TEST(SchedulerTest, PromptLogitsSkipPrefixHitsAndCapRows) {
  Fixture f(64, 4, {.max_num_seqs = 8, .max_num_batched_tokens = 100, .max_model_len = 100,
                    .max_prompt_logits_rows = 10});
  ASSERT_TRUE(f.s.Add(SchedRequest::Make(1, Tokens(13), 1)).ok());
  Step(f.s);  // seq 1 samples its one token and finishes; its 3 full blocks stay cached
  EXPECT_EQ(f.s.Get(1), nullptr);
  SchedRequest r = SchedRequest::Make(2, Tokens(13), 1);
  r.needs_prompt_logits = true;
  ASSERT_TRUE(f.s.Add(std::move(r)).ok());
  SchedRequest plain = SchedRequest::Make(3, Tokens(13), 1);
  ASSERT_TRUE(f.s.Add(std::move(plain)).ok());
  SchedulerOutput o = Step(f.s);
  ASSERT_EQ(o.seqs.size(), 2u);
  EXPECT_EQ(o.seqs[0].num_computed_before, 0);  // no prefix hit for prompt logits
  EXPECT_EQ(o.seqs[0].num_new_tokens, 10);      // capped by the 10 rows
  EXPECT_EQ(o.seqs[0].num_prompt_logits, 10);
  EXPECT_FALSE(o.seqs[0].samples);
  EXPECT_EQ(o.seqs[1].num_computed_before, 12);  // the plain request hits the cache
  EXPECT_EQ(o.seqs[1].num_prompt_logits, 0);
  o = Step(f.s);
  ASSERT_EQ(o.seqs.size(), 1u);
  EXPECT_EQ(o.seqs[0].num_computed_before, 10);
  EXPECT_EQ(o.seqs[0].num_new_tokens, 3);
  EXPECT_EQ(o.seqs[0].num_prompt_logits, 2);  // rows 10, 11 score tokens 11, 12; row 12 samples
  EXPECT_TRUE(o.seqs[0].samples);
}

}  // namespace
}  // namespace vllm
