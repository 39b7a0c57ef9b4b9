#include "sampler/logits_processors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "sampler/sequence_sampler_state.h"

namespace vllm {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

std::vector<float> Row() { return {2.0f, -1.5f, 0.5f, 3.0f, -0.25f, 1.0f, 4.0f, -2.0f}; }

TEST(SamplerProcessorsTest, MinTokensMasksEosAndStopIdsUntilReached) {
  SamplingParams p;
  p.min_tokens = 2;
  p.max_tokens = 10;
  p.stop_token_ids = {5};
  const std::vector<int32_t> eos = {6, 3, 1000 /* past the logits width: skipped */};
  for (int32_t num_generated : {0, 1}) {
    auto l = Row();
    ApplyMinTokens(l, p, num_generated, eos);
    EXPECT_EQ(l[6], kNegInf);
    EXPECT_EQ(l[3], kNegInf);
    EXPECT_EQ(l[5], kNegInf);
    for (int i : {0, 1, 2, 4, 7}) EXPECT_EQ(l[i], Row()[i]) << i;
  }
  auto l = Row();
  ApplyMinTokens(l, p, 2, eos);
  EXPECT_EQ(l, Row());
}

TEST(SamplerProcessorsTest, MinTokensMasksEosEvenWithIgnoreEos) {
  // ignore_eos only means EOS does not stop the request (vLLM masks it all the same).
  SamplingParams p;
  p.min_tokens = 1;
  p.ignore_eos = true;
  const std::vector<int32_t> eos = {6};
  auto l = Row();
  ApplyMinTokens(l, p, 0, eos);
  EXPECT_EQ(l[6], kNegInf);
  // With min_tokens 0 nothing is masked, whatever ignore_eos says.
  p.min_tokens = 0;
  l = Row();
  ApplyMinTokens(l, p, 0, eos);
  EXPECT_EQ(l, Row());
}

TEST(SamplerProcessorsTest, LogitBiasAddsAndClampsTo100) {
  SamplingParams p;
  p.logit_bias = {{0, 1.25f}, {1, -250.0f}, {7, 1e9f}, {4, -0.5f}};
  auto l = Row();
  ApplyLogitBias(l, p);
  EXPECT_FLOAT_EQ(l[0], 3.25f);
  EXPECT_FLOAT_EQ(l[1], -101.5f);
  EXPECT_FLOAT_EQ(l[7], 98.0f);
  EXPECT_FLOAT_EQ(l[4], -0.75f);
  for (int i : {2, 3, 5, 6}) EXPECT_EQ(l[i], Row()[i]) << i;
}

TEST(SamplerProcessorsTest, RepetitionPenaltyOverPromptAndOutputOnce) {
  SamplingParams p;
  p.repetition_penalty = 2.0f;
  const std::vector<int32_t> prompt = {0, 1, 0, 1};  // duplicates count once
  auto state = SequenceSamplerState::Create(p, prompt, 7);
  state.Append(1);  // in the prompt too: still penalised once
  state.Append(4);
  state.Append(4);
  auto l = Row();
  ApplyPenalties(l, p, state);
  EXPECT_FLOAT_EQ(l[0], 1.0f);     // 2 / 2
  EXPECT_FLOAT_EQ(l[1], -3.0f);    // -1.5 * 2
  EXPECT_FLOAT_EQ(l[4], -0.5f);    // -0.25 * 2, once despite two occurrences
  for (int i : {2, 3, 5, 6, 7}) EXPECT_EQ(l[i], Row()[i]) << i;
}

TEST(SamplerProcessorsTest, RepetitionPenaltyBelowOneFavoursRepeats) {
  SamplingParams p;
  p.repetition_penalty = 0.5f;
  const std::vector<int32_t> prompt = {3, 7};
  auto state = SequenceSamplerState::Create(p, prompt, 7);
  auto l = Row();
  ApplyPenalties(l, p, state);
  EXPECT_FLOAT_EQ(l[3], 6.0f);   // 3 / 0.5
  EXPECT_FLOAT_EQ(l[7], -1.0f);  // -2 * 0.5
}

TEST(SamplerProcessorsTest, FrequencyAndPresenceOverOutputOnly) {
  SamplingParams p;
  p.frequency_penalty = 0.5f;
  p.presence_penalty = 0.25f;
  const std::vector<int32_t> prompt = {0, 2};  // prompt tokens: no frequency/presence penalty
  auto state = SequenceSamplerState::Create(p, prompt, 7);
  for (int32_t t : {5, 5, 5, 6, 2}) state.Append(t);
  auto l = Row();
  ApplyPenalties(l, p, state);
  EXPECT_FLOAT_EQ(l[5], 1.0f - 0.5f * 3 - 0.25f);
  EXPECT_FLOAT_EQ(l[6], 4.0f - 0.5f - 0.25f);
  EXPECT_FLOAT_EQ(l[2], 0.5f - 0.5f - 0.25f);
  for (int i : {0, 1, 3, 4, 7}) EXPECT_EQ(l[i], Row()[i]) << i;
}

TEST(SamplerProcessorsTest, AllPenaltiesInVllmOrder) {
  // repetition first, then frequency and presence on the result.
  SamplingParams p;
  p.repetition_penalty = 1.5f;
  p.frequency_penalty = 1.0f;
  p.presence_penalty = 0.5f;
  const std::vector<int32_t> prompt = {3};
  auto state = SequenceSamplerState::Create(p, prompt, 7);
  state.Append(3);
  state.Append(3);
  state.Append(1);
  auto l = Row();
  ApplyPenalties(l, p, state);
  EXPECT_FLOAT_EQ(l[3], 3.0f / 1.5f - 2.0f - 0.5f);
  EXPECT_FLOAT_EQ(l[1], -1.5f * 1.5f - 1.0f - 0.5f);
}

TEST(SamplerProcessorsTest, ProcessorsRunMaskThenBiasThenPenalties) {
  SamplingParams p;
  p.min_tokens = 1;
  p.stop_token_ids = {2};
  p.logit_bias = {{2, 5.0f}, {0, -3.0f}};
  p.repetition_penalty = 2.0f;
  const std::vector<int32_t> prompt = {0};
  auto state = SequenceSamplerState::Create(p, prompt, 7);
  auto l = Row();
  ApplyLogitsProcessors(l, p, state, {});
  EXPECT_EQ(l[2], kNegInf);          // bias cannot unmask
  EXPECT_FLOAT_EQ(l[0], -1.0f * 2);  // (2 - 3) is negative after bias, so multiplied
}

TEST(SamplerProcessorsTest, StateTracksOnlyWhatPenaltiesNeed) {
  SamplingParams plain;
  const std::vector<int32_t> prompt = {4, 4, 1};
  auto s = SequenceSamplerState::Create(plain, prompt, 1);
  s.Append(3);
  EXPECT_EQ(s.num_generated, 1);
  EXPECT_FALSE(s.tracks_tokens);
  EXPECT_TRUE(s.output_counts.empty());
  EXPECT_TRUE(s.prompt_token_ids.empty());

  SamplingParams freq;
  freq.frequency_penalty = 0.1f;
  auto f = SequenceSamplerState::Create(freq, prompt, 1);
  f.Append(3);
  f.Append(3);
  EXPECT_EQ(f.OutputCount(3), 2);
  EXPECT_EQ(f.OutputCount(4), 0);
  EXPECT_TRUE(f.prompt_token_ids.empty());  // the prompt matters to repetition only

  SamplingParams rep;
  rep.repetition_penalty = 1.1f;
  auto r = SequenceSamplerState::Create(rep, prompt, 1);
  EXPECT_EQ(r.prompt_token_ids, (std::vector<int32_t>{1, 4}));
  EXPECT_TRUE(r.InPrompt(4));
  EXPECT_FALSE(r.InPrompt(3));
}

}  // namespace
}  // namespace vllm
