#include "sampler/raw_logprobs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

namespace vllm {
namespace {

// log_softmax in double, the textbook way.
std::vector<double> RefLogSoftmax(const std::vector<float>& l) {
  double m = *std::max_element(l.begin(), l.end());
  double z = 0;
  for (float x : l) z += std::exp(x - m);
  std::vector<double> out;
  for (float x : l) out.push_back(x - m - std::log(z));
  return out;
}

TEST(SamplerRawLogprobsTest, AreTrueLogProbabilities) {
  std::mt19937_64 rng(99);
  std::normal_distribution<float> normal(0.0f, 4.0f);
  for (int64_t vocab : {1, 2, 17, 1000, 30001}) {
    std::vector<float> l(vocab);
    for (float& x : l) x = normal(rng) + 20.0f;  // offset: the max must be subtracted
    const LogSoftmaxStats stats = ComputeLogSoftmaxStats(l);
    const auto ref = RefLogSoftmax(l);
    double total = 0;
    for (int64_t i = 0; i < vocab; ++i) {
      const float lp = stats.Logprob(l[i]);
      ASSERT_NEAR(lp, ref[i], 1e-5 + 1e-6 * std::abs(ref[i])) << "vocab " << vocab << " id " << i;
      total += std::exp(static_cast<double>(lp));
    }
    EXPECT_NEAR(total, 1.0, 1e-5) << "vocab " << vocab;
  }
}

TEST(SamplerRawLogprobsTest, TopNSortedDescendingLowerIdFirstOnTies) {
  const std::vector<float> l = {0.5f, 2.0f, -1.0f, 2.0f, 3.0f, 0.5f, 2.0f};
  const LogSoftmaxStats stats = ComputeLogSoftmaxStats(l);
  const auto ref = RefLogSoftmax(l);
  std::vector<std::pair<int32_t, float>> top;
  TopLogprobs(l, stats, 4, &top);
  ASSERT_EQ(top.size(), 4u);
  const std::vector<int32_t> want_ids = {4, 1, 3, 6};
  for (size_t j = 0; j < top.size(); ++j) {
    EXPECT_EQ(top[j].first, want_ids[j]) << j;
    EXPECT_NEAR(top[j].second, ref[want_ids[j]], 1e-6);
  }
  TopLogprobs(l, stats, 0, &top);
  EXPECT_TRUE(top.empty());
  TopLogprobs(l, stats, 20, &top);  // more than the vocab: all of it
  EXPECT_EQ(top.size(), l.size());
}

TEST(SamplerRawLogprobsTest, TopNMatchesFullSortOnRandomRows) {
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<int> coarse(-6, 6);  // many ties
  for (int32_t n : {1, 3, 20}) {
    std::vector<float> l(2001);
    for (float& x : l) x = static_cast<float>(coarse(rng)) * 0.5f;
    std::vector<int32_t> order(l.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return l[a] > l[b]; });
    std::vector<std::pair<int32_t, float>> top;
    TopLogprobs(l, ComputeLogSoftmaxStats(l), n, &top);
    ASSERT_EQ(top.size(), static_cast<size_t>(n));
    for (int32_t j = 0; j < n; ++j) EXPECT_EQ(top[j].first, order[j]) << "n " << n << " j " << j;
  }
}

}  // namespace
}  // namespace vllm
