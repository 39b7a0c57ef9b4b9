// Vocab-wide loops of the sampler (max, exp-and-sum, argmax), written so g++ -O3 vectorizes
// them without -ffast-math: a scalar expf costs ~5-10 ns, i.e. ~1 ms per 152k-token row,
// which would dominate a CPU decode step at batch 32.
#pragma once

#include <bit>
#include <cstdint>
#include <span>

namespace vllm {

// exp(x) for x <= 0 (callers pass l - max), relative error < 2e-7 over [-87, 0] (measured 8e-8);
// exactly 0 below -87.3 and for -inf (masked tokens must get zero weight, never 1e-38).
// Cody-Waite reduction x = n ln2 + r, |r| <= ln2/2, then a degree-6 Taylor-like polynomial
// (Cephes expf coefficients) and 2^n built in the exponent bits. Branch-free so loops
// over it vectorize.
inline float FastExp(float x) {
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2Hi = 0.693359375f;  // ln2 split so n * kLn2Hi is exact
  constexpr float kLn2Lo = -2.12194440e-4f;
  constexpr float kRound = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  constexpr float kMin = -87.3f;         // 2^-126 region: below, the result is flushed to 0
  const float xc = x < kMin ? kMin : (x > 88.0f ? 88.0f : x);
  const float n = (xc * kLog2e + kRound) - kRound;
  const float r = (xc - n * kLn2Hi) - n * kLn2Lo;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float er = p * r * r + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  const float result = er * std::bit_cast<float>(bits);
  return x < kMin ? 0.0f : result;
}

// Largest element (NaNs are skipped unless row[0] is NaN). Precondition: non-empty.
float RowMax(std::span<const float> row);

// Writes w[i] = FastExp(row[i] - max_value) (if w is not null) and returns their sum.
// Summed in float within blocks of 256 (8 lanes x 32 terms, rel. error ~1e-6 at worst)
// and across blocks in double.
double ExpAndSum(std::span<const float> row, float max_value, float* w);

}  // namespace vllm
