// AVX2 + FMA + F16C vector traits for the templated kernels in *_impl.h. Included only by
// *_avx2.cc after their target pragma (see simd_avx512.h).
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace vllm::cpu {

struct Avx2 {
  static constexpr int kLanes = 8;
  // Register budget (16 ymm): tile GEMM 8 rows x 8 tokens (8 accumulators); fused GEMV up to
  // 2 tokens per pass.
  static constexpr bool kVnni = false;  // 16-bit-activation tile GEMM (matmul_vnni_impl.h)
  static constexpr bool kInt8 = false;  // int8-activation matmul (matmul_int8_impl.h)
  static constexpr bool kGgufInt8 = true;  // GGUF Q8_0 / Q4_K on int8 activations (matmul_gguf_int8_impl.h)
  static constexpr int kTileRows = 8, kFusedTokens = 2;
  using F = __m256;

  static F Zero() { return _mm256_setzero_ps(); }
  static F Set1(float v) { return _mm256_set1_ps(v); }
  static F Load(const float* p) { return _mm256_loadu_ps(p); }
  static void Store(float* p, F v) { _mm256_storeu_ps(p, v); }
  static F Fma(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  static F Add(F a, F b) { return _mm256_add_ps(a, b); }
  static float ReduceAdd(F v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  static __m128i Load8Bytes(const uint8_t* p) {
    int64_t v;
    std::memcpy(&v, p, 8);
    return _mm_cvtsi64_si128(v);
  }
  static F LoadU8(const uint8_t* p) { return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(Load8Bytes(p))); }
  // kLanes signed bytes -> floats (GGUF Q8_0 codes).
  static F LoadI8(const int8_t* p) {
    return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(Load8Bytes(reinterpret_cast<const uint8_t*>(p))));
  }
  static void LoadU4(const uint8_t* p, F* lo, F* hi) {
    const __m256i v = _mm256_cvtepu8_epi32(Load8Bytes(p));
    *lo = _mm256_cvtepi32_ps(_mm256_and_si256(v, _mm256_set1_epi32(0xF)));
    *hi = _mm256_cvtepi32_ps(_mm256_srli_epi32(v, 4));
  }
  static F LoadBf16(const uint16_t* p) {
    const __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
  }
  static F LoadF16(const uint16_t* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
  static F Mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static F Sub(F a, F b) { return _mm256_sub_ps(a, b); }
  static F Div(F a, F b) { return _mm256_div_ps(a, b); }
  static F Max(F a, F b) { return _mm256_max_ps(a, b); }
  static float ReduceMax(F v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
  }
  // exp(x); same method, clamp and accuracy as Avx512::Exp, with 2^n built from the exponent
  // bits (-126 <= n <= 127 after the clamp).
  static F Exp(F x) {
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.0f)), _mm256_set1_ps(88.0f));
    const F n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    F r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    F p = _mm256_set1_ps(1.f / 720);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f / 120));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f / 24));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f / 6));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f));
    const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
  }
};

}  // namespace vllm::cpu
