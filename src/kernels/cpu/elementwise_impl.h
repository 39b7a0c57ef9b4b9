// SIMD elementwise kernels over a vector-traits type S, instantiated by elementwise_avx*.cc and
// elementwise_neon.cc; contracts in ops.h, scalar paths in elementwise.cc. SiLU*mul needs the
// vector exp (a scalar exp per element cost ~15% of a 128-token prefill). RMSNorm, RoPE and
// the residual add are a few thousand FLOPs per token on L1-resident rows; they are here
// because the scalar loops do not vectorise where it matters: a float sum of squares is a
// serial dependency chain without -ffast-math, and RoPE's scalar loop strides across heads.
// Every loop runs whole vectors, then a scalar tail for dim % kLanes.
#pragma once

#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace vllm::cpu::simd {

// out = silu(gate) * up = gate / (1 + exp(-gate)) * up.
template <class S>
void SiluMul(const float* gate, const float* up, int64_t n, float* out) {
  const typename S::F one = S::Set1(1.f), zero = S::Zero();
  int64_t i = 0;
  for (; i + S::kLanes <= n; i += S::kLanes) {
    const typename S::F g = S::Load(gate + i);
    const typename S::F e = S::Exp(S::Sub(zero, g));
    S::Store(out + i, S::Mul(S::Div(g, S::Add(one, e)), S::Load(up + i)));
  }
  for (; i < n; ++i) out[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

// x += y over n values.
template <class S>
void AddInPlace(float* x, const float* y, int64_t n) {
  int64_t i = 0;
  for (; i + S::kLanes <= n; i += S::kLanes) S::Store(x + i, S::Add(S::Load(x + i), S::Load(y + i)));
  for (; i < n; ++i) x[i] += y[i];
}

// Independent accumulators of a sum of squares: four FMA chains cover the FMA latency, and each
// lane sums dim / (4 kLanes) terms, so f32 rounding grows with that rather than with dim.
inline constexpr int kSumChains = 4;

// x[i..i+kLanes) as a vector; with kAdd, x += y there first (stored), so the fused residual add
// costs no extra read of x.
template <class S, bool kAdd>
typename S::F LoadMaybeAdd(std::conditional_t<kAdd, float*, const float*> x, const float* y, int64_t i) {
  typename S::F v = S::Load(x + i);
  if constexpr (kAdd) {
    v = S::Add(v, S::Load(y + i));
    S::Store(x + i, v);
  }
  return v;
}

// sum(x[i]^2) over one row of dim values (with kAdd, of x += y). RmsNorm and AddRmsNorm share it,
// so on a target the fused op rounds exactly as AddInPlace then RmsNorm. The tail uses an explicit
// std::fma (one instruction on every SIMD target): left as `ss += x * x`, the compiler contracted
// it to an FMA in one instantiation and not in the other.
template <class S, bool kAdd>
float SumSquares(std::conditional_t<kAdd, float*, const float*> x, const float* y, int64_t dim) {
  using F = typename S::F;
  constexpr int64_t kStep = kSumChains * S::kLanes;
  F acc[kSumChains];
  for (F& a : acc) a = S::Zero();
  int64_t i = 0;
  for (; i + kStep <= dim; i += kStep)
    for (int c = 0; c < kSumChains; ++c) {
      const F v = LoadMaybeAdd<S, kAdd>(x, y, i + c * S::kLanes);
      acc[c] = S::Fma(v, v, acc[c]);
    }
  for (; i + S::kLanes <= dim; i += S::kLanes) {
    const F v = LoadMaybeAdd<S, kAdd>(x, y, i);
    acc[0] = S::Fma(v, v, acc[0]);
  }
  for (int c = 1; c < kSumChains; ++c) acc[0] = S::Add(acc[0], acc[c]);
  float ss = S::ReduceAdd(acc[0]);
  for (; i < dim; ++i) {
    if constexpr (kAdd) x[i] += y[i];
    ss = std::fma(x[i], x[i], ss);
  }
  return ss;
}

// out = x * inv * weight over one row; out may be x.
template <class S>
void ScaleRow(const float* x, const float* weight, float inv, int64_t dim, float* out) {
  const typename S::F vinv = S::Set1(inv);
  int64_t i = 0;
  for (; i + S::kLanes <= dim; i += S::kLanes)
    S::Store(out + i, S::Mul(S::Mul(S::Load(x + i), vinv), S::Load(weight + i)));
  for (; i < dim; ++i) out[i] = x[i] * inv * weight[i];
}

// Templated like everything after the target pragma, so each target's copy is its own symbol
// (simd_prelude.h: an inline function here would be one weak symbol shared by all targets).
template <class S>
float InvRms(float ss, int64_t dim, float eps) {
  return 1.0f / std::sqrt(ss / static_cast<float>(dim) + eps);
}

// y = x * rsqrt(mean(x^2) + eps) * weight per row (MLX: no "+1" on weight); y may be x.
template <class S>
void RmsNorm(const float* x, const float* weight, int64_t rows, int64_t dim, float eps, float* y) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * dim;
    ScaleRow<S>(xr, weight, InvRms<S>(SumSquares<S, false>(xr, nullptr, dim), dim, eps), dim, y + r * dim);
  }
}

// x += y, then out = RmsNorm(x) per row: pass 1 adds, stores x and sums squares; pass 2 scales.
template <class S>
void AddRmsNorm(float* x, const float* y, const float* weight, int64_t rows, int64_t dim, float eps, float* out) {
  for (int64_t r = 0; r < rows; ++r) {
    float* xr = x + r * dim;
    const float ss = SumSquares<S, true>(xr, y + r * dim, dim);
    ScaleRow<S>(xr, weight, InvRms<S>(ss, dim, eps), dim, out + r * dim);
  }
}

// Rotate-half RoPE (MLX non-traditional): pairs (i, i + half) of each head turn by
// positions[t] * inv_freq[i]. cos/sin are scalar std::cos/std::sin (exact to an ulp, unlike a
// vector polynomial), once per token into a thread-local table, which every head then reuses;
// the rotation runs over i in vectors, contiguous in both halves.
template <class S>
void ApplyRope(float* x, const int32_t* positions, int64_t num_tokens, int64_t num_heads, int64_t head_dim,
               const float* inv_freq) {
  using F = typename S::F;
  const int64_t half = head_dim / 2;
  thread_local std::vector<float> table;  // [cos(half) | sin(half)] of the current token
  if (static_cast<int64_t>(table.size()) < 2 * half) table.resize(2 * half);
  float* cos_t = table.data();
  float* sin_t = table.data() + half;
  for (int64_t t = 0; t < num_tokens; ++t) {
    const float pos = static_cast<float>(positions[t]);
    for (int64_t i = 0; i < half; ++i) {
      const float theta = pos * inv_freq[i];
      cos_t[i] = std::cos(theta);
      sin_t[i] = std::sin(theta);
    }
    for (int64_t h = 0; h < num_heads; ++h) {
      float* a = x + (t * num_heads + h) * head_dim;  // first half of the head
      float* b = a + half;                            // second half
      int64_t i = 0;
      for (; i + S::kLanes <= half; i += S::kLanes) {
        const F va = S::Load(a + i), vb = S::Load(b + i), c = S::Load(cos_t + i), s = S::Load(sin_t + i);
        S::Store(a + i, S::Sub(S::Mul(va, c), S::Mul(vb, s)));
        S::Store(b + i, S::Fma(va, s, S::Mul(vb, c)));
      }
      for (; i < half; ++i) {
        const float va = a[i], vb = b[i];
        a[i] = va * cos_t[i] - vb * sin_t[i];
        b[i] = va * sin_t[i] + vb * cos_t[i];
      }
    }
  }
}

}  // namespace vllm::cpu::simd
