// AVX-512 (F/BW/VL/DQ) vector traits for the templated kernels in *_impl.h. Included only by
// *_avx512.cc after their target pragma (dispatch.h picks them at run time), so no other
// code ever runs these instructions.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace vllm::cpu {

struct Avx512 {
  static constexpr int kLanes = 16;
  // Register budget (32 zmm): tile GEMM 16 rows x 16 tokens (16 accumulators); fused GEMV up
  // to 4 tokens per pass.
  static constexpr bool kVnni = false;  // 16-bit-activation tile GEMM (matmul_vnni_impl.h)
  static constexpr bool kInt8 = false;  // int8-activation matmul (matmul_int8_impl.h)
  static constexpr bool kGgufInt8 = true;  // GGUF Q8_0 / Q4_K on int8 activations (matmul_gguf_int8_impl.h)
  static constexpr int kTileRows = 16, kFusedTokens = 4;
  using F = __m512;

  static F Zero() { return _mm512_setzero_ps(); }
  static F Set1(float v) { return _mm512_set1_ps(v); }
  static F Load(const float* p) { return _mm512_loadu_ps(p); }
  static void Store(float* p, F v) { _mm512_storeu_ps(p, v); }
  static F Fma(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
  static F Add(F a, F b) { return _mm512_add_ps(a, b); }
  static float ReduceAdd(F v) { return _mm512_reduce_add_ps(v); }
  // kLanes unsigned bytes -> floats.
  static F LoadU8(const uint8_t* p) {
    return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
  }
  // kLanes signed bytes -> floats (GGUF Q8_0 codes).
  static F LoadI8(const int8_t* p) {
    return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
  }
  // kLanes bytes holding 2*kLanes 4-bit codes: low nibbles (even codes) and high (odd codes).
  static void LoadU4(const uint8_t* p, F* lo, F* hi) {
    const __m512i v = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    *lo = _mm512_cvtepi32_ps(_mm512_and_si512(v, _mm512_set1_epi32(0xF)));
    *hi = _mm512_cvtepi32_ps(_mm512_srli_epi32(v, 4));
  }
  // bf16 is the top half of an f32: widen and shift.
  static F LoadBf16(const uint16_t* p) {
    const __m512i v = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    return _mm512_castsi512_ps(_mm512_slli_epi32(v, 16));
  }
  static F LoadF16(const uint16_t* p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
  static F Mul(F a, F b) { return _mm512_mul_ps(a, b); }
  static F Sub(F a, F b) { return _mm512_sub_ps(a, b); }
  static F Div(F a, F b) { return _mm512_div_ps(a, b); }
  static F Max(F a, F b) { return _mm512_max_ps(a, b); }
  static float ReduceMax(F v) { return _mm512_reduce_max_ps(v); }
  // exp(x) with x clamped to [-87, 88], so no inf/NaN comes out and 2^n stays a normal float:
  // Cody-Waite range reduction x = n ln2 + r, degree-6 Taylor polynomial on |r| <= ln2/2
  // (relative error ~2e-7), then p * 2^n. -inf (attention's initial max) gives ~1e-38.
  static F Exp(F x) {
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.0f)), _mm512_set1_ps(88.0f));
    const F n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    F r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    F p = _mm512_set1_ps(1.f / 720);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.f / 120));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.f / 24));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.f / 6));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.f));
    return _mm512_scalef_ps(p, n);
  }
};

// AVX-512 plus VNNI: the same kernels, except that the tile GEMM of affine weights runs on
// 16-bit activations with vpdpwssd (matmul_vnni_impl.h). Used only by *_avx512vnni.cc.
struct Avx512Vnni : Avx512 {
  static constexpr bool kVnni = true;
};

// AVX-512 VNNI with int8 activations for 8-bit and 4-bit affine weights at every m
// (matmul_int8_impl.h; llama.cpp's precision class), the Avx512Vnni kernels for the rest.
struct Avx512VnniInt8 : Avx512Vnni {
  static constexpr bool kInt8 = true;
};

}  // namespace vllm::cpu
