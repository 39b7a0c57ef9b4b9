#include "sampler/sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <set>
#include <vector>

#include "sampler/candidates.h"
#include "util/philox.h"
#include "util/thread_pool.h"

namespace vllm {
namespace {

std::vector<float> LogitsOf(const std::vector<double>& probs) {
  std::vector<float> l;
  for (double q : probs) l.push_back(static_cast<float>(std::log(q)));
  return l;
}

// Samples `row` (copied each time) `num_draws` times from one state; returns counts per id.
std::vector<int> Histogram(const std::vector<float>& row, const SamplingParams& p,
                           uint64_t seed, int num_draws) {
  SamplerScratch scratch(static_cast<int64_t>(row.size()));
  auto state = SequenceSamplerState::Create(p, {}, seed);
  std::vector<int> counts(row.size(), 0);
  for (int i = 0; i < num_draws; ++i) {
    std::vector<float> l = row;
    state.num_generated = i;  // each output position draws its own Philox number
    ++counts[Sample(l, p, state, {}, scratch).token_id];
  }
  return counts;
}

double ChiSquare(const std::vector<int>& counts, const std::vector<double>& probs) {
  const double n = std::accumulate(counts.begin(), counts.end(), 0.0);
  double chi2 = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    const double e = n * probs[i];
    chi2 += (counts[i] - e) * (counts[i] - e) / e;
  }
  return chi2;
}

TEST(SamplerTest, GreedyTakesArgmaxLowestIdOnTiesAndIgnoresFilters) {
  SamplingParams p;
  p.temperature = 0.0f;
  p.top_k = 1;       // irrelevant when greedy
  p.min_p = 0.9f;
  SamplerScratch scratch(6);
  auto state = SequenceSamplerState::Create(p, {}, 1);
  std::vector<float> l = {1.0f, 4.0f, -2.0f, 4.0f, 3.9f, 4.0f};
  EXPECT_EQ(Sample(l, p, state, {}, scratch).token_id, 1);
  l = {-5.0f, -3.0f, -3.0f, -7.0f, -4.0f, -9.0f};
  EXPECT_EQ(Sample(l, p, state, {}, scratch).token_id, 1);
  l = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.5f};
  EXPECT_EQ(Sample(l, p, state, {}, scratch).token_id, 5);
}

TEST(SamplerTest, GreedySeesPenaltiesBiasAndMasking) {
  SamplingParams p;
  p.temperature = 0.0f;
  p.min_tokens = 1;
  p.logit_bias = {{2, 2.5f}};
  SamplerScratch scratch(4);
  auto state = SequenceSamplerState::Create(p, {}, 1);
  const std::vector<int32_t> eos = {0};
  std::vector<float> l = {9.0f, 1.0f, 0.0f, 2.0f};
  // EOS masked (min_tokens), token 2 biased from 0 to 2.5 above token 3's 2.0.
  EXPECT_EQ(Sample(l, p, state, eos, scratch).token_id, 2);
  state.Append(2);
  l = {9.0f, 1.0f, 0.0f, 2.0f};
  EXPECT_EQ(Sample(l, p, state, eos, scratch).token_id, 0);  // min_tokens reached
}

// Philox4x32-10 known-answer vectors (Random123's kat_vectors): the generator is the real one,
// so a GPU implementation of it can be checked against the same numbers.
TEST(SamplerTest, PhiloxMatchesKnownAnswers) {
  struct Kat {
    Philox4x32 ctr;
    uint32_t k0, k1;
    Philox4x32 want;
  };
  const Kat kats[] = {
      {{{0, 0, 0, 0}}, 0, 0, {{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}}},
      {{{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}}, 0xffffffffu, 0xffffffffu,
       {{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}}},
      {{{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}}, 0xa4093822u, 0x299f31d0u,
       {{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}}},
  };
  for (const Kat& k : kats) {
    const Philox4x32 got = Philox4x32_10(k.ctr, k.k0, k.k1);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(got.v[i], k.want.v[i]) << "word " << i;
  }
}

// A non-greedy token is the inverse CDF of softmax(logits) at u = PhiloxUniform(seed, position):
// one number per (seed, output position), nothing else.
TEST(SamplerTest, DrawIsTheInverseCdfAtPhiloxOfSeedAndPosition) {
  SamplingParams p;  // temperature 1, no filters: every token is a candidate
  p.seed = 1234;
  SamplerScratch scratch(5);
  const std::vector<float> logits = {0.1f, 0.7f, 0.3f, -0.2f, 0.6f};
  auto state = SequenceSamplerState::Create(p, {}, 0);
  std::set<int32_t> seen;
  for (int32_t pos = 0; pos < 64; ++pos) {
    state.num_generated = pos;
    const double u = PhiloxUniform(1234, static_cast<uint64_t>(pos));
    double total = 0;
    for (float l : logits) total += std::exp(static_cast<double>(l) - 0.7);
    double acc = 0;
    int32_t want = 4;
    for (int32_t i = 0; i < 5; ++i) {
      acc += std::exp(static_cast<double>(logits[i]) - 0.7);
      if (acc > u * total) {
        want = i;
        break;
      }
    }
    std::vector<float> l = logits;
    EXPECT_EQ(Sample(l, p, state, {}, scratch).token_id, want) << "position " << pos;
    l = logits;
    EXPECT_EQ(Sample(l, p, state, {}, scratch).token_id, want) << "same position, same token";
    seen.insert(want);
  }
  EXPECT_GE(seen.size(), 4u);  // positions draw different numbers
}

TEST(SamplerTest, TemperatureShapesEmpiricalFrequencies) {
  // Fixed seed, 40k draws: deterministic. chi2 with 3 degrees of freedom stays under 16.3
  // (p = 0.001) for the right distribution and lands in the thousands for the wrong one.
  const std::vector<double> probs = {0.1, 0.4, 0.2, 0.3};
  const auto row = LogitsOf(probs);
  const int kDraws = 40000;
  auto powered = [&](double e) {
    std::vector<double> q;
    for (double x : probs) q.push_back(std::pow(x, e));
    const double z = std::accumulate(q.begin(), q.end(), 0.0);
    for (double& x : q) x /= z;
    return q;
  };
  for (float t : {1.0f, 0.5f, 2.0f}) {
    SamplingParams p;
    p.temperature = t;
    const auto counts = Histogram(row, p, 2024, kDraws);
    const auto expected = powered(1.0 / t);
    EXPECT_LT(ChiSquare(counts, expected), 16.3) << "T " << t;
    if (t != 1.0f) {
      EXPECT_GT(ChiSquare(counts, probs), 200.0) << "T " << t << " had no effect";
    }
  }
}

TEST(SamplerTest, FilteredTokensAreNeverDrawnAndSurvivorsFollowRenormalizedProbs) {
  const std::vector<double> probs = {0.1, 0.4, 0.2, 0.3};
  SamplingParams p;
  p.top_p = 0.7f;  // keeps ids 1 and 3: 4/7 and 3/7
  const auto counts = Histogram(LogitsOf(probs), p, 7, 20000);
  EXPECT_EQ(counts[0], 0);
  EXPECT_EQ(counts[2], 0);
  EXPECT_LT(ChiSquare({counts[1], counts[3]}, {4.0 / 7.0, 3.0 / 7.0}), 10.8);  // 1 dof
}

TEST(SamplerTest, SameSeedSameTokensRegardlessOfInterleaving) {
  SamplingParams seeded;
  seeded.seed = 31337;
  seeded.top_k = 50;
  seeded.temperature = 0.9f;
  SamplingParams other;  // unseeded neighbour in the same batch
  std::mt19937_64 gen(3);
  std::normal_distribution<float> normal(0.0f, 2.0f);
  std::vector<std::vector<float>> rows(64, std::vector<float>(1000));
  for (auto& r : rows)
    for (float& x : r) x = normal(gen);
  SamplerScratch scratch(1000);

  auto run_alone = SequenceSamplerState::Create(seeded, {}, /*fallback_seed=*/1);
  std::vector<int32_t> alone;
  for (const auto& r : rows) {
    std::vector<float> l = r;
    alone.push_back(Sample(l, seeded, run_alone, {}, scratch).token_id);
  }
  // Same seed, different fallback seed (ignored when params.seed is set), interleaved with
  // another sequence drawing a varying number of times between steps.
  auto a = SequenceSamplerState::Create(seeded, {}, /*fallback_seed=*/999);
  auto b = SequenceSamplerState::Create(other, {}, /*fallback_seed=*/5);
  std::vector<int32_t> interleaved;
  for (size_t i = 0; i < rows.size(); ++i) {
    for (size_t k = 0; k < i % 3; ++k) {
      std::vector<float> l = rows[(i + k) % rows.size()];
      Sample(l, other, b, {}, scratch);
    }
    std::vector<float> l = rows[i];
    interleaved.push_back(Sample(l, seeded, a, {}, scratch).token_id);
  }
  EXPECT_EQ(interleaved, alone);
  // And a different seed gives a different sequence (64 draws over ~50 candidates).
  SamplingParams reseeded = seeded;
  reseeded.seed = 31338;
  auto c = SequenceSamplerState::Create(reseeded, {}, 1);
  std::vector<int32_t> different;
  for (const auto& r : rows) {
    std::vector<float> l = r;
    different.push_back(Sample(l, reseeded, c, {}, scratch).token_id);
  }
  EXPECT_NE(different, alone);
}

TEST(SamplerTest, UnseededStatesUseTheFallbackSeed) {
  SamplingParams p;
  auto a = SequenceSamplerState::Create(p, {}, 77);
  auto b = SequenceSamplerState::Create(p, {}, 77);
  auto c = SequenceSamplerState::Create(p, {}, 78);
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_NE(a.seed, c.seed);
}

TEST(SamplerTest, LogprobsAreRawAndTopNSorted) {
  std::mt19937_64 gen(11);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  const int64_t vocab = 3001;
  std::vector<float> raw(vocab);
  for (float& x : raw) x = normal(gen);
  // Reference log_softmax of the raw logits in double.
  const double m = *std::max_element(raw.begin(), raw.end());
  double z = 0;
  for (float x : raw) z += std::exp(x - m);
  auto ref = [&](int32_t id) { return raw[id] - m - std::log(z); };

  SamplingParams p;
  p.logprobs = 5;
  p.temperature = 0.5f;  // processing below must not leak into the logprobs
  p.top_k = 3;
  p.repetition_penalty = 1.7f;
  p.presence_penalty = 1.0f;
  p.logit_bias = {{17, 30.0f}};
  SamplerScratch scratch(vocab);
  const std::vector<int32_t> prompt = {0, 1, 2};
  auto state = SequenceSamplerState::Create(p, prompt, 5);
  for (int step = 0; step < 10; ++step) {
    std::vector<float> l = raw;
    const SampleOutput out = Sample(l, p, state, {}, scratch);
    state.Append(out.token_id);
    EXPECT_NEAR(out.logprob, ref(out.token_id), 1e-5);
    ASSERT_EQ(out.top_logprobs.size(), 5u);
    std::vector<int32_t> order(vocab);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return raw[a] > raw[b]; });
    for (size_t j = 0; j < 5; ++j) {
      EXPECT_EQ(out.top_logprobs[j].first, order[j]);
      EXPECT_NEAR(out.top_logprobs[j].second, ref(order[j]), 1e-5);
    }
  }
  // Without logprobs nothing is computed.
  p.logprobs = -1;
  std::vector<float> l = raw;
  const SampleOutput out = Sample(l, p, state, {}, scratch);
  EXPECT_TRUE(std::isnan(out.logprob));
  EXPECT_TRUE(out.top_logprobs.empty());
  // logprobs = 0: the chosen token's logprob only.
  p.logprobs = 0;
  l = raw;
  const SampleOutput zero = Sample(l, p, state, {}, scratch);
  EXPECT_NEAR(zero.logprob, ref(zero.token_id), 1e-5);
  EXPECT_TRUE(zero.top_logprobs.empty());
}

TEST(SamplerTest, MinTokensKeepsEosAndStopIdsOutOfSampledTokens) {
  // EOS and a stop id hold almost all the mass; until min_tokens they must never appear.
  SamplingParams p;
  p.min_tokens = 30;
  p.max_tokens = 40;
  p.stop_token_ids = {2};
  const std::vector<int32_t> eos = {0};
  SamplerScratch scratch(4);
  auto state = SequenceSamplerState::Create(p, {}, 3);
  int eos_or_stop_after = 0;
  for (int step = 0; step < 40; ++step) {
    std::vector<float> l = {10.0f, 0.0f, 10.0f, 0.0f};
    const int32_t t = Sample(l, p, state, eos, scratch).token_id;
    if (step < 30) {
      EXPECT_TRUE(t == 1 || t == 3) << "step " << step << " token " << t;
    } else if (t == 0 || t == 2) {
      ++eos_or_stop_after;
    }
    state.Append(t);
  }
  EXPECT_GT(eos_or_stop_after, 5);
}

TEST(SamplerTest, FullyMaskedRowFallsBackToArgmax) {
  SamplingParams p;
  p.min_tokens = 1;
  p.stop_token_ids = {1};
  SamplerScratch scratch(2);
  auto state = SequenceSamplerState::Create(p, {}, 3);
  const std::vector<int32_t> eos = {0};
  std::vector<float> l = {1.0f, 2.0f};
  EXPECT_EQ(Sample(l, p, state, eos, scratch).token_id, 0);
}

TEST(SamplerTest, NaNRowsStillGiveATokenInRange) {
  // A model bug must not crash the server or index out of the vocab.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const int64_t vocab = 3000;
  SamplerScratch scratch(vocab);
  for (int32_t k : {0, 5, 2999}) {
    for (float top_p : {1.0f, 0.9f}) {
      for (float min_p : {0.0f, 0.1f}) {
        SamplingParams p;
        p.top_k = k;
        p.top_p = top_p;
        p.min_p = min_p;
        p.logprobs = 2;
        auto state = SequenceSamplerState::Create(p, {}, 9);
        for (int pattern = 0; pattern < 3; ++pattern) {
          std::vector<float> l(vocab);
          for (int64_t i = 0; i < vocab; ++i) l[i] = static_cast<float>(i % 97) * 0.1f;
          for (int64_t i = 0; i < vocab; i += pattern == 2 ? 1 : 7 + pattern) l[i] = nan;
          const int32_t t = Sample(l, p, state, {}, scratch).token_id;
          EXPECT_TRUE(t >= 0 && t < vocab) << t;
        }
      }
    }
  }
}

TEST(SamplerTest, DrawTokenInvertsTheCdf) {
  // weights 1, 0, 3, 4 (total 8): CDF steps at 1/8, 4/8, 1.
  const std::vector<float> w = {1.0f, 0.0f, 3.0f, 4.0f};
  Candidates dense{.ids = {}, .dense = true, .weights = w, .total = 8.0};
  EXPECT_EQ(DrawToken(dense, 0.0), 0);
  EXPECT_EQ(DrawToken(dense, 0.124), 0);
  EXPECT_EQ(DrawToken(dense, 0.125), 2);  // the zero-weight token 1 is never chosen
  EXPECT_EQ(DrawToken(dense, 0.49), 2);
  EXPECT_EQ(DrawToken(dense, 0.5), 3);
  EXPECT_EQ(DrawToken(dense, std::nextafter(1.0, 0.0)), 3);
  // Sparse: iteration follows ids, most likely first.
  const std::vector<int32_t> ids = {3, 2};
  Candidates sparse{.ids = ids, .dense = false, .weights = w, .total = 7.0};
  EXPECT_EQ(DrawToken(sparse, 0.0), 3);
  EXPECT_EQ(DrawToken(sparse, 4.0 / 7.0 - 1e-9), 3);
  EXPECT_EQ(DrawToken(sparse, 4.0 / 7.0 + 1e-9), 2);
}

TEST(SamplerTest, BatchMatchesRowByRowWithAndWithoutPool) {
  const int64_t vocab = 2003;
  const int num_rows = 9;
  std::mt19937_64 gen(8);
  std::normal_distribution<float> normal(0.0f, 2.5f);
  std::vector<float> logits(num_rows * vocab);
  for (float& x : logits) x = normal(gen);
  std::vector<SamplingParams> params(num_rows);
  for (int r = 0; r < num_rows; ++r) {
    params[r].temperature = r % 3 == 0 ? 0.0f : 0.6f + 0.1f * r;
    params[r].top_k = r % 2 ? 20 : 0;
    params[r].top_p = r % 4 == 1 ? 0.8f : 1.0f;
    params[r].min_p = r % 5 == 2 ? 0.05f : 0.0f;
    params[r].logprobs = r % 2 ? 3 : -1;
    params[r].frequency_penalty = r == 4 ? 0.5f : 0.0f;
    if (r == 6) params[r].seed = 123;
  }
  const std::vector<int32_t> prompt = {5, 6, 7};
  auto make_states = [&] {
    std::vector<SequenceSamplerState> s;
    for (int r = 0; r < num_rows; ++r)
      s.push_back(SequenceSamplerState::Create(params[r], prompt, 1000 + r));
    return s;
  };
  // Row by row with a single scratch: the reference.
  auto ref_states = make_states();
  SamplerScratch scratch(vocab);
  std::vector<SampleOutput> want;
  for (int step = 0; step < 3; ++step) {
    for (int r = 0; r < num_rows; ++r) {
      std::vector<float> l(logits.begin() + r * vocab, logits.begin() + (r + 1) * vocab);
      want.push_back(Sample(l, params[r], ref_states[r], {}, scratch));
      ref_states[r].Append(want.back().token_id);
    }
  }
  for (int threads : {0, 1, 2, 4}) {
    std::unique_ptr<ThreadPool> pool = threads ? std::make_unique<ThreadPool>(threads) : nullptr;
    Sampler sampler(vocab, pool.get());
    auto states = make_states();
    std::vector<SampleOutput> outs(num_rows);
    size_t k = 0;
    for (int step = 0; step < 3; ++step) {
      SamplingBatch sb;
      for (int r = 0; r < num_rows; ++r) sb.Add(params[r], states[r]);
      std::vector<float> batch = logits;
      sampler.SampleBatch(batch.data(), sb, outs);
      for (int r = 0; r < num_rows; ++r, ++k) {
        EXPECT_EQ(outs[r].token_id, want[k].token_id) << "threads " << threads << " row " << r;
        if (params[r].logprobs >= 0) {
          EXPECT_EQ(outs[r].logprob, want[k].logprob);
          EXPECT_EQ(outs[r].top_logprobs, want[k].top_logprobs);
        }
        states[r].Append(outs[r].token_id);
      }
    }
  }
}

}  // namespace
}  // namespace vllm
