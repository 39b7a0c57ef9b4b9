// AArch64 NEON (Advanced SIMD) vector traits for the templated kernels in *_impl.h. Included
// only by *_neon.cc, which are built only for AArch64. NEON is part of the AArch64 baseline,
// so unlike the x86 traits no target pragma is needed and nothing here can reach a CPU that
// lacks it.
//
// One float32x4_t per vector (kLanes = 4). The kernels only need kLanes to divide 32 (the
// smallest affine group, and the 32-code chunks the 2/3/5/6-bit decoder writes) and head_dim;
// 4 does. A wider pseudo-vector (two q registers) would let attention take head_dim 512 on the
// SIMD path (kMaxHeadVecs = 64 vectors caps it at 256 here; wider heads use the scalar kernel),
// but would hide from the compiler that every op is two independent instructions.
#pragma once

#include <arm_neon.h>

#include <cstdint>
#include <cstring>

namespace vllm::cpu {

struct Neon {
  static constexpr int kLanes = 4;
  // Register budget (32 q registers, as many as AVX-512's zmm): tile GEMM 16 rows x 4 tokens
  // (16 accumulators + the x vector + a broadcast); fused GEMV up to 4 tokens per pass.
  static constexpr bool kVnni = false;  // 16-bit-activation tile GEMM is x86-only
  static constexpr bool kInt8 = false;  // int8-activation matmul is x86-only (matmul_int8_impl.h)
  static constexpr bool kGgufInt8 = false;  // so is the GGUF one (matmul_gguf_int8_impl.h)
  static constexpr int kTileRows = 16, kFusedTokens = 4;
  using F = float32x4_t;

  static F Zero() { return vdupq_n_f32(0.f); }
  static F Set1(float v) { return vdupq_n_f32(v); }
  static F Load(const float* p) { return vld1q_f32(p); }
  static void Store(float* p, F v) { vst1q_f32(p, v); }
  static F Fma(F a, F b, F c) { return vfmaq_f32(c, a, b); }  // a * b + c, one rounding
  static F Add(F a, F b) { return vaddq_f32(a, b); }
  static F Mul(F a, F b) { return vmulq_f32(a, b); }
  static F Sub(F a, F b) { return vsubq_f32(a, b); }
  static F Div(F a, F b) { return vdivq_f32(a, b); }
  static F Max(F a, F b) { return vmaxq_f32(a, b); }
  static float ReduceAdd(F v) { return vaddvq_f32(v); }
  static float ReduceMax(F v) { return vmaxvq_f32(v); }

  // 4 bytes zero-extended to 32-bit lanes (memcpy: the codes have no alignment).
  static uint32x4_t Widen4Bytes(const uint8_t* p) {
    uint32_t b;
    std::memcpy(&b, p, 4);
    const uint16x8_t h = vmovl_u8(vreinterpret_u8_u32(vdup_n_u32(b)));
    return vmovl_u16(vget_low_u16(h));
  }
  // kLanes unsigned bytes -> floats.
  static F LoadU8(const uint8_t* p) { return vcvtq_f32_u32(Widen4Bytes(p)); }
  // kLanes signed bytes -> floats (GGUF Q8_0 codes).
  static F LoadI8(const int8_t* p) {
    uint32_t b;
    std::memcpy(&b, p, 4);
    const int16x8_t h = vmovl_s8(vreinterpret_s8_u32(vdup_n_u32(b)));
    return vcvtq_f32_s32(vmovl_s16(vget_low_s16(h)));
  }
  // kLanes bytes holding 2*kLanes 4-bit codes: low nibbles (even codes) and high (odd codes).
  static void LoadU4(const uint8_t* p, F* lo, F* hi) {
    const uint32x4_t v = Widen4Bytes(p);
    *lo = vcvtq_f32_u32(vandq_u32(v, vdupq_n_u32(0xF)));
    *hi = vcvtq_f32_u32(vshrq_n_u32(v, 4));
  }
  // bf16 is the top half of an f32: widen with a 16-bit left shift (SHLL).
  static F LoadBf16(const uint16_t* p) { return vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(p), 16)); }
  // f16 -> f32 conversion (FCVTL) is baseline AArch64; no +fp16 arithmetic needed.
  static F LoadF16(const uint16_t* p) { return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p))); }

  // exp(x); same method, clamp and accuracy as Avx512::Exp. NEON has no scalef, so 2^n is
  // built in the exponent bits as in Avx2::Exp: after the clamp x * log2(e) lies in
  // [-125.52, 126.96], so n = round(x * log2(e)) is in [-126, 127] and n + 127 in [1, 254], a
  // normal float's biased exponent. A NaN input stays NaN, as in the scalar path (x86's
  // max_ps returns its second operand for NaN, so there it comes out as exp(-87)).
  static F Exp(F x) {
    x = vminq_f32(vmaxq_f32(x, vdupq_n_f32(-87.0f)), vdupq_n_f32(88.0f));
    const F n = vrndnq_f32(vmulq_f32(x, vdupq_n_f32(1.44269504088896341f)));  // to nearest, ties even
    // vfmsq_f32(a, b, c) = a - b * c: Cody-Waite r = x - n ln2 in two parts.
    F r = vfmsq_f32(x, n, vdupq_n_f32(0.693359375f));
    r = vfmsq_f32(r, n, vdupq_n_f32(-2.12194440e-4f));
    F p = vdupq_n_f32(1.f / 720);
    p = vfmaq_f32(vdupq_n_f32(1.f / 120), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.f / 24), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.f / 6), p, r);
    p = vfmaq_f32(vdupq_n_f32(0.5f), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.f), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.f), p, r);
    // n is an exact integer, so the truncating conversion is exact.
    const int32x4_t e = vshlq_n_s32(vaddq_s32(vcvtq_s32_f32(n), vdupq_n_s32(127)), 23);
    return vmulq_f32(p, vreinterpretq_f32_s32(e));
  }
};

}  // namespace vllm::cpu
