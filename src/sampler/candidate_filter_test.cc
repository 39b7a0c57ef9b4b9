#include "sampler/candidate_filter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <vector>

namespace vllm {
namespace {

using Dist = std::map<int32_t, double>;  // token id -> renormalized probability

// Runs FilterCandidates on a copy of `logits` and returns the renormalized distribution.
Dist Filtered(std::vector<float> logits, const SamplingParams& p) {
  SamplerScratch scratch(static_cast<int64_t>(logits.size()));
  const Candidates c = FilterCandidates(logits, p, scratch);
  EXPECT_TRUE(c.valid());
  Dist d;
  for (int64_t j = 0; j < c.size(); ++j) {
    const int32_t id = c.id(j);
    if (c.weights[id] > 0.0f) d[id] = c.weights[id] / c.total;
  }
  return d;
}

std::vector<int32_t> Kept(const Dist& d) {
  std::vector<int32_t> ids;
  for (const auto& [id, prob] : d) ids.push_back(id);
  return ids;
}

// Logits whose softmax is exactly `probs` up to float rounding.
std::vector<float> LogitsOf(const std::vector<double>& probs) {
  std::vector<float> l;
  for (double q : probs) l.push_back(static_cast<float>(std::log(q)));
  return l;
}

// Straightforward double-precision reference of the documented semantics, in vLLM v1's
// order (temperature, min-p, top-k, top-p): full sorts, no buckets, no shortcuts.
Dist Reference(const std::vector<float>& logits, const SamplingParams& p) {
  const int64_t vocab = static_cast<int64_t>(logits.size());
  std::vector<double> s(vocab);
  for (int64_t i = 0; i < vocab; ++i) s[i] = static_cast<double>(logits[i] / p.temperature);
  std::vector<int32_t> order(vocab);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return s[a] > s[b]; });
  auto probs_of = [&](const std::vector<int32_t>& ids) {
    std::vector<double> q(ids.size());
    double z = 0;
    for (size_t j = 0; j < ids.size(); ++j) z += q[j] = std::exp(s[ids[j]] - s[ids[0]]);
    for (double& x : q) x /= z;
    return q;
  };
  std::vector<int32_t> kept = order;
  if (p.min_p > 0.0f) {
    const auto q = probs_of(kept);
    size_t keep = 0;
    while (keep < kept.size() && q[keep] >= p.min_p * q[0]) ++keep;
    kept.resize(keep);
  }
  if (p.top_k > 0 && p.top_k < vocab) {
    const double kth = s[order[p.top_k - 1]];
    std::vector<int32_t> top;
    for (int32_t id : kept)
      if (s[id] >= kth) top.push_back(id);
    kept = top;
  }
  if (p.top_p < 1.0f) {
    const auto q = probs_of(kept);
    double cum = 0;
    size_t keep = kept.size();
    for (size_t j = 0; j < kept.size(); ++j) {
      cum += q[j];
      if (cum >= p.top_p - kTopPSlack) {
        keep = j + 1;
        break;
      }
    }
    while (keep < kept.size() && s[kept[keep]] == s[kept[keep - 1]]) ++keep;
    kept.resize(keep);
  }
  const auto q = probs_of(kept);
  Dist d;
  for (size_t j = 0; j < kept.size(); ++j)
    if (q[j] > 0) d[kept[j]] = q[j];
  return d;
}

// Same kept set and probabilities. Tokens below e^-87 of the max weigh exactly 0 in the
// sampler (FastExp flushes them; they can never be drawn), so the reference may list extra
// tokens, but only ones that tiny.
void ExpectDistNear(const Dist& got, const Dist& want, double tol = 1e-6) {
  constexpr double kFlushed = 1e-37;
  int num_mismatched = 0;
  for (const auto& [id, prob] : got) {
    if (!want.count(id)) {
      if (++num_mismatched < 5) ADD_FAILURE() << "token " << id << " kept, reference drops it";
    } else {
      EXPECT_NEAR(prob, want.at(id), tol) << "token " << id;
    }
  }
  for (const auto& [id, prob] : want) {
    if (!got.count(id) && prob > kFlushed && ++num_mismatched < 5)
      ADD_FAILURE() << "token " << id << " (p " << prob << ") dropped, reference keeps it";
  }
  EXPECT_EQ(num_mismatched, 0);
}

// probs 0.1 0.4 0.2 0.3 (ids 0..3); sorted: 1 (0.4), 3 (0.3), 2 (0.2), 0 (0.1).
const std::vector<double> kFour = {0.1, 0.4, 0.2, 0.3};

TEST(SamplerFilterTest, NoFilterKeepsEveryTokenWithSoftmaxProbs) {
  SamplingParams p;
  const Dist d = Filtered(LogitsOf(kFour), p);
  ExpectDistNear(d, {{0, 0.1}, {1, 0.4}, {2, 0.2}, {3, 0.3}});
}

TEST(SamplerFilterTest, TemperatureSharpensAndFlattens) {
  SamplingParams p;
  p.temperature = 0.5f;  // p^2 renormalized
  ExpectDistNear(Filtered(LogitsOf(kFour), p),
                 {{0, 0.01 / 0.30}, {1, 0.16 / 0.30}, {2, 0.04 / 0.30}, {3, 0.09 / 0.30}});
  p.temperature = 2.0f;  // sqrt(p) renormalized
  const double z = std::sqrt(0.1) + std::sqrt(0.4) + std::sqrt(0.2) + std::sqrt(0.3);
  ExpectDistNear(Filtered(LogitsOf(kFour), p), {{0, std::sqrt(0.1) / z},
                                                {1, std::sqrt(0.4) / z},
                                                {2, std::sqrt(0.2) / z},
                                                {3, std::sqrt(0.3) / z}});
}

TEST(SamplerFilterTest, TopKBoundaries) {
  SamplingParams p;
  p.top_k = 1;
  ExpectDistNear(Filtered(LogitsOf(kFour), p), {{1, 1.0}});
  p.top_k = 2;
  ExpectDistNear(Filtered(LogitsOf(kFour), p), {{1, 0.4 / 0.7}, {3, 0.3 / 0.7}});
  p.top_k = 3;
  ExpectDistNear(Filtered(LogitsOf(kFour), p), {{1, 0.4 / 0.9}, {2, 0.2 / 0.9}, {3, 0.3 / 0.9}});
  for (int32_t k : {4, 5, 0, -1}) {  // >= vocab, 0 and -1: off
    p.top_k = k;
    EXPECT_EQ(Kept(Filtered(LogitsOf(kFour), p)), (std::vector<int32_t>{0, 1, 2, 3})) << k;
  }
}

TEST(SamplerFilterTest, TopKKeepsEveryTokenTiedWithTheKth) {
  const std::vector<float> l = {1.0f, 3.0f, 2.0f, 2.0f, 0.0f, 2.0f};
  SamplingParams p;
  p.top_k = 2;  // the 2nd largest logit is 2.0, shared by ids 2, 3, 5
  EXPECT_EQ(Kept(Filtered(l, p)), (std::vector<int32_t>{1, 2, 3, 5}));
  p.top_k = 4;  // 4th largest is still 2.0: same set
  EXPECT_EQ(Kept(Filtered(l, p)), (std::vector<int32_t>{1, 2, 3, 5}));
  p.top_k = 5;
  EXPECT_EQ(Kept(Filtered(l, p)), (std::vector<int32_t>{0, 1, 2, 3, 5}));
}

TEST(SamplerFilterTest, TopPExactlyAtAndAroundTheThreshold) {
  // Sorted masses: 0.4, 0.7, 0.9, 1.0.
  SamplingParams p;
  struct Case {
    float top_p;
    std::vector<int32_t> kept;
  } cases[] = {
      {0.3f, {1}},           // first token crosses
      {0.4f, {1}},           // lands exactly on the threshold: stop there
      {0.4001f, {1, 3}},     // just above: the next token is needed
      {0.6999f, {1, 3}},     // just below 0.7
      {0.7f, {1, 3}},        // exactly 0.4 + 0.3
      {0.7001f, {1, 2, 3}},  // just above
      {0.9f, {1, 2, 3}},
      {0.95f, {0, 1, 2, 3}},
      {1.0f, {0, 1, 2, 3}},
  };
  for (const Case& c : cases) {
    p.top_p = c.top_p;
    EXPECT_EQ(Kept(Filtered(LogitsOf(kFour), p)), c.kept) << "top_p " << c.top_p;
  }
  p.top_p = 0.7f;
  ExpectDistNear(Filtered(LogitsOf(kFour), p), {{1, 0.4 / 0.7}, {3, 0.3 / 0.7}});
}

TEST(SamplerFilterTest, TopPKeepsTiesAtTheBoundaryTogether) {
  // 0.4, then three tokens at 0.2: top_p 0.5 crosses inside the tie, all three stay.
  const std::vector<float> l = LogitsOf({0.2, 0.4, 0.2, 0.2});
  SamplingParams p;
  p.top_p = 0.5f;
  ExpectDistNear(Filtered(l, p), {{0, 0.2}, {1, 0.4}, {2, 0.2}, {3, 0.2}});
  p.top_p = 0.4f;  // reached by the single best token: ties below it do not matter
  EXPECT_EQ(Kept(Filtered(l, p)), (std::vector<int32_t>{1}));
}

TEST(SamplerFilterTest, TopPRenormalizesOverTopKSurvivors) {
  // top-k 3 keeps 0.4/0.3/0.2, renormalized 4/9, 3/9, 2/9: two tokens reach 7/9 >= 0.75.
  // Over the full vocab the same top_p needs three (0.4 + 0.3 = 0.7 < 0.75).
  SamplingParams p;
  p.top_k = 3;
  p.top_p = 0.75f;
  ExpectDistNear(Filtered(LogitsOf(kFour), p), {{1, 4.0 / 7.0}, {3, 3.0 / 7.0}});
  p.top_k = 0;
  EXPECT_EQ(Kept(Filtered(LogitsOf(kFour), p)), (std::vector<int32_t>{1, 2, 3}));
}

TEST(SamplerFilterTest, MinPDropsTokensBelowFractionOfMax) {
  SamplingParams p;
  p.min_p = 0.6f;  // bar 0.24: keeps 0.4 and 0.3
  ExpectDistNear(Filtered(LogitsOf(kFour), p), {{1, 0.4 / 0.7}, {3, 0.3 / 0.7}});
  p.min_p = 0.49f;  // bar 0.196: keeps 0.2 too
  EXPECT_EQ(Kept(Filtered(LogitsOf(kFour), p)), (std::vector<int32_t>{1, 2, 3}));
  p.min_p = 0.51f;  // bar 0.204: drops 0.2
  EXPECT_EQ(Kept(Filtered(LogitsOf(kFour), p)), (std::vector<int32_t>{1, 3}));
  p.min_p = 1.0f;  // only the max
  EXPECT_EQ(Kept(Filtered(LogitsOf(kFour), p)), (std::vector<int32_t>{1}));
  p.min_p = 0.6f;  // with top-k the bar is relative to the same max: same set
  p.top_k = 3;
  EXPECT_EQ(Kept(Filtered(LogitsOf(kFour), p)), (std::vector<int32_t>{1, 3}));
  // Just around the 0.2 token's ratio 0.5, on both code paths (with and without top-k).
  for (int32_t k : {0, 3}) {
    p.top_k = k;
    p.min_p = 0.499f;
    EXPECT_EQ(Kept(Filtered(LogitsOf(kFour), p)), (std::vector<int32_t>{1, 2, 3})) << k;
    p.min_p = 0.501f;
    EXPECT_EQ(Kept(Filtered(LogitsOf(kFour), p)), (std::vector<int32_t>{1, 3})) << k;
  }
}

TEST(SamplerFilterTest, MinPRunsBeforeTopPAsInVllm) {
  // min_p 0.3 (bar 0.12) drops the 0.1 token; top-p then renormalizes over 0.4/0.3/0.2:
  // 4/9 + 3/9 = 0.78 >= 0.75 keeps two. Top-p first (over the full row: 0.4, 0.7 < 0.75)
  // would have kept three.
  SamplingParams p;
  p.min_p = 0.3f;
  p.top_p = 0.75f;
  for (int32_t k : {0, 3}) {
    p.top_k = k;
    ExpectDistNear(Filtered(LogitsOf(kFour), p), {{1, 4.0 / 7.0}, {3, 3.0 / 7.0}});
  }
  p.min_p = 0.0f;
  p.top_k = 0;
  EXPECT_EQ(Kept(Filtered(LogitsOf(kFour), p)), (std::vector<int32_t>{1, 2, 3}));
}

TEST(SamplerFilterTest, MinPAppliesAfterTemperature) {
  SamplingParams p;
  p.min_p = 0.5f;
  p.temperature = 0.5f;  // probs ~ p^2: 0.16, 0.09, 0.04, 0.01; bar 0.08 keeps two
  EXPECT_EQ(Kept(Filtered(LogitsOf(kFour), p)), (std::vector<int32_t>{1, 3}));
  p.temperature = 2.0f;  // probs ~ sqrt(p): 0.632, 0.548, 0.447, 0.316; bar 0.316 keeps all
  EXPECT_EQ(Kept(Filtered(LogitsOf(kFour), p)), (std::vector<int32_t>{0, 1, 2, 3}));
}

TEST(SamplerFilterTest, MaskedTokensNeverSurvive) {
  const float ninf = -std::numeric_limits<float>::infinity();
  const std::vector<float> l = {ninf, 1.0f, ninf, 0.0f};
  for (int32_t k : {0, 1, 3}) {
    for (float top_p : {1.0f, 0.99f}) {
      SamplingParams p;
      p.top_k = k;
      p.top_p = top_p;
      const Dist d = Filtered(l, p);
      EXPECT_EQ(d.count(0), 0u);
      EXPECT_EQ(d.count(2), 0u);
    }
  }
}

TEST(SamplerFilterTest, MatchesReferenceOnRandomRows) {
  // Sizes cover 1 token, odd sizes and enough tokens for several lazy top-p sort chunks.
  std::mt19937_64 rng(1234);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  int num_checked = 0;
  for (int64_t vocab : {1, 2, 7, 63, 64, 65, 300, 5000}) {
    for (int trial = 0; trial < 40; ++trial) {
      std::vector<float> l(vocab);
      for (float& x : l) x = normal(rng);
      if (trial % 4 == 1) {  // coarse logits create ties
        for (float& x : l) x = std::round(x);
      }
      SamplingParams p;
      p.temperature = std::vector<float>{1.0f, 0.7f, 1.3f}[trial % 3];
      p.top_k = std::vector<int32_t>{0, 1, 5, 50, -1}[trial % 5];
      p.top_p = std::vector<float>{1.0f, 0.9f, 0.5f, 0.99f, 0.2f, 0.999f, 1.0f}[trial % 7];
      p.min_p = std::vector<float>{0.0f, 0.05f, 0.0f, 0.3f, 0.0f, 0.001f}[trial % 6];
      SCOPED_TRACE(testing::Message() << "vocab " << vocab << " trial " << trial << " T "
                                      << p.temperature << " k " << p.top_k << " p " << p.top_p
                                      << " min_p " << p.min_p);
      ExpectDistNear(Filtered(l, p), Reference(l, p), 1e-5);
      ++num_checked;
    }
  }
  EXPECT_EQ(num_checked, 8 * 40);
}

TEST(SamplerFilterTest, MatchesReferenceOnLargeRowsAcrossBuckets) {
  // Vocab-scale rows: wide spreads push tokens into the overflow bucket (> 32 logits below
  // the max), narrow ones crowd buckets; top-k and top-p boundaries land anywhere.
  std::mt19937_64 rng(77);
  int trial = 0;
  for (float sigma : {0.3f, 2.5f, 12.0f, 40.0f}) {
    for (int64_t vocab : {3001, 40000}) {
      std::normal_distribution<float> normal(0.0f, sigma);
      std::vector<float> l(vocab);
      for (float& x : l) x = normal(rng);
      for (int j = 0; j < 5; ++j) l[rng() % vocab] = l[rng() % vocab];  // a few exact ties
      for (int32_t k : {0, 1, 40, 2999, 3000}) {
        for (float top_p : {1.0f, 0.5f, 0.95f}) {
          for (float min_p : {0.0f, 1e-4f}) {
            SamplingParams p;
            p.top_k = k;
            p.top_p = top_p;
            p.min_p = min_p;
            p.temperature = trial++ % 2 ? 1.0f : 0.8f;
            SCOPED_TRACE(testing::Message() << "sigma " << sigma << " vocab " << vocab << " k "
                                            << k << " top_p " << top_p << " min_p " << min_p);
            ExpectDistNear(Filtered(l, p), Reference(l, p), 1e-5);
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace vllm
