// GGUF block decoders (Q5_0, Q6_K: Q8_0 and Q4_K have fused kernels in matmul_impl.h) written
// for the auto-vectorizer: fixed trip counts, no data-dependent
// indexing, one output array per loop. Included by matmul_impl.h, so each SIMD target's TU
// compiles them for its ISA (AVX2 / AVX-512 / NEON). They compute the same values as
// block_dequant.cc except that the compiler may fuse a multiply and an add (the GEMV only
// promises f32 rounding; the bit-exact decoder is block_dequant.cc). Shapes: one block in,
// BlockElems(q) floats out.
#pragma once

#include <cstdint>
#include <cstring>

#include "kernels/cpu/block_dequant.h"
#include "util/half.h"

namespace vllm::cpu::blockdec {

inline float Half(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return F16ToF32(h);
}

inline void Q5_0(const uint8_t* __restrict b, float* __restrict y) {
  // Bit j of qh is value j's 5th bit: tested against a constant mask per lane (no variable
  // shifts, so the loops vectorize).
  static constexpr uint32_t kBit[16] = {1u << 0,  1u << 1,  1u << 2,  1u << 3,  1u << 4,  1u << 5,
                                        1u << 6,  1u << 7,  1u << 8,  1u << 9,  1u << 10, 1u << 11,
                                        1u << 12, 1u << 13, 1u << 14, 1u << 15};
  const float d = Half(b);
  uint32_t qh;
  std::memcpy(&qh, b + 2, 4);
  const uint32_t lo_bits = qh & 0xFFFFu, hi_bits = qh >> 16;
  const uint8_t* __restrict qs = b + 6;
  for (int j = 0; j < 16; ++j)
    y[j] = d * static_cast<float>(static_cast<int>((qs[j] & 0xF) | ((lo_bits & kBit[j]) ? 16 : 0)) - 16);
  for (int j = 0; j < 16; ++j)
    y[j + 16] = d * static_cast<float>(static_cast<int>((qs[j] >> 4) | ((hi_bits & kBit[j]) ? 16 : 0)) - 16);
}

inline void Q6_K(const uint8_t* __restrict b, float* __restrict y) {
  const float d = Half(b + 208);
  const uint8_t* __restrict ql = b;
  const uint8_t* __restrict qh = b + 128;
  const int8_t* __restrict sc = reinterpret_cast<const int8_t*>(b + 192);
  for (int n = 0; n < 2; ++n, ql += 64, qh += 32, sc += 8, y += 128) {
    float s[8];
    for (int k = 0; k < 8; ++k) s[k] = d * static_cast<float>(sc[k]);
    // Quarter k of the half: 32 values in two 16-value sub-blocks (scales s[k*2.. ] per ggml:
    // value l of quarter k uses sc[l / 16 + 2k]).
    for (int h = 0; h < 2; ++h) {
      const int o = 16 * h;
      for (int l = 0; l < 16; ++l)
        y[o + l] = s[h] * static_cast<float>(((ql[o + l] & 0xF) | ((qh[o + l] & 3) << 4)) - 32);
      for (int l = 0; l < 16; ++l)
        y[32 + o + l] = s[2 + h] * static_cast<float>(((ql[32 + o + l] & 0xF) | (((qh[o + l] >> 2) & 3) << 4)) - 32);
      for (int l = 0; l < 16; ++l)
        y[64 + o + l] = s[4 + h] * static_cast<float>(((ql[o + l] >> 4) | (((qh[o + l] >> 4) & 3) << 4)) - 32);
      for (int l = 0; l < 16; ++l)
        y[96 + o + l] = s[6 + h] * static_cast<float>(((ql[32 + o + l] >> 4) | (((qh[o + l] >> 6) & 3) << 4)) - 32);
    }
  }
}

inline bool HasDecoder(BlockQuant q) { return q == BlockQuant::kQ5_0 || q == BlockQuant::kQ6_K; }

// Decodes one block of q into y. Precondition: HasDecoder(q).
inline void Decode(BlockQuant q, const uint8_t* b, float* y) {
  switch (q) {
    case BlockQuant::kQ5_0: return Q5_0(b, y);
    case BlockQuant::kQ6_K: return Q6_K(b, y);
    default: return;
  }
}

}  // namespace vllm::cpu::blockdec
