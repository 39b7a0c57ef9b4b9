// FastExp: the sampler's exp, host and device (sampler/row_math.h's loops and the CUDA
// sampler, kernels/cuda/sample.cu, use this one definition: the same float operations, so
// both compute the same candidate weights).
#pragma once

#include <bit>
#include <cstdint>

#ifndef VLLM_HD  // also defined, identically, by util/philox.h
#if defined(__CUDACC__)
#define VLLM_HD __host__ __device__
#else
#define VLLM_HD
#endif
#endif

namespace vllm {

// exp(x) for x <= 0 (callers pass l - max), relative error < 2e-7 over [-87, 0] (measured 8e-8);
// exactly 0 below -87.3 and for -inf (masked tokens must get zero weight, never 1e-38).
// Cody-Waite reduction x = n ln2 + r, |r| <= ln2/2, then a degree-6 Taylor-like polynomial
// (Cephes expf coefficients) and 2^n built in the exponent bits. Branch-free so loops
// over it vectorize.
VLLM_HD inline float FastExp(float x) {
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
#if defined(__CUDA_ARCH__)
  const float result = er * __int_as_float(bits);
#else
  const float result = er * std::bit_cast<float>(bits);
#endif
  return x < kMin ? 0.0f : result;
}

}  // namespace vllm
