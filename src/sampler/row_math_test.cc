#include "sampler/row_math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "sampler/basic_sampler.h"

namespace vllm {
namespace {

TEST(SamplerRowMathTest, FastExpMatchesExpAndFlushesMaskedToZero) {
  double max_rel = 0;
  for (double xd = -87.0; xd <= 0.0; xd += 0.000731) {
    const float x = static_cast<float>(xd);
    const double want = std::exp(static_cast<double>(x));  // same input, exact exp
    max_rel = std::max(max_rel, std::abs(FastExp(x) / want - 1.0));
  }
  EXPECT_LT(max_rel, 2e-7);
  EXPECT_EQ(FastExp(0.0f), 1.0f);
  EXPECT_EQ(FastExp(-std::numeric_limits<float>::infinity()), 0.0f);
  EXPECT_EQ(FastExp(-88.0f), 0.0f);
  EXPECT_EQ(FastExp(-1000.0f), 0.0f);
}

TEST(SamplerRowMathTest, RowMaxAndExpAndSumOnOddSizes) {
  std::mt19937_64 rng(17);
  std::normal_distribution<float> normal(0.0f, 5.0f);
  for (int64_t n : {1, 7, 8, 9, 255, 256, 257, 1000, 4099}) {
    std::vector<float> x(n);
    for (float& v : x) v = normal(rng);
    x[rng() % n] = 30.0f;  // a known max anywhere, including the scalar tail
    EXPECT_EQ(RowMax(x), 30.0f) << n;
    std::vector<float> w(n);
    const double sum = ExpAndSum(x, 30.0f, w.data());
    // Reference: exact exp of the same float difference the row loop forms.
    double want = 0;
    for (int64_t i = 0; i < n; ++i) {
      const double e = std::exp(static_cast<double>(x[i] - 30.0f));
      want += e;
      ASSERT_NEAR(w[i], e, 2e-7 * e) << n << " " << i;
    }
    EXPECT_NEAR(sum, want, 1e-6 * want) << n;
    EXPECT_EQ(ExpAndSum(x, 30.0f, nullptr), sum) << n;
  }
}

TEST(SamplerRowMathTest, ArgMaxLowestIdOnTiesAndSkipsNaN) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> x(37, -1.0f);
  x[20] = 3.0f;
  x[33] = 3.0f;  // tie in the scalar tail
  x[5] = nan;
  EXPECT_EQ(ArgMax(x.data(), 37), 20);
  x[2] = 3.0f;
  EXPECT_EQ(ArgMax(x.data(), 37), 2);
  x[0] = nan;  // NaN first: the max is undefined and 0 comes back, as before
  EXPECT_EQ(ArgMax(x.data(), 37), 0);
  const std::vector<float> ninf(9, -std::numeric_limits<float>::infinity());
  EXPECT_EQ(ArgMax(ninf.data(), 9), 0);
}

}  // namespace
}  // namespace vllm
