// GGUF Q8_0 and Q4_K weights on int8 activations (the default on the x86 SIMD targets;
// dispatch.h's GgufInt8Activations). The f32 kernels (matmul_impl.h, BlockFusedRows) widen
// every code to a float and are compute-bound at 30-50% of the read bandwidth; here codes
// are never widened: x is quantized once per call and the weights meet it in integer dot
// products, as llama.cpp's CPU kernels do.
//
// Activations, per token and per 32 values (one Q8_0 block, one Q4_K sub-block):
//   dx = max|x| / 127,  qx_k = round(x_k * 127 / max|x|) in [-127, 127],  bsum = dx * sum_k qx_k
// so x is replaced by xhat_k = dx * qx_k (|x_k - xhat_k| <= dx / 2) and every output is
// exactly sum_k w_k xhat_k up to f32 rounding of the block sums — the reference the tests
// check (ref::MatMul over xhat):
//   Q8_0: y = sum_b d_b dx_b * sum_k q_k qx_k                      (q signed int8)
//   Q4_K: y = sum_s (d sc_s dx_s * sum_k q_k qx_k - dmin m_s bsum_s)  (q 0..15, s over 32s)
// Integer sums are exact: pmaddubsw takes |q| (<= 128) against sign(q) * qx (|.| <= 127),
// pairs <= 32512 fit int16, and pmaddwd widens to int32 (one vpdpbusd on the avx512vnni
// targets; it measured only ~5% faster, so the default avx512 target does without).
//
// Batch invariance: each token's arithmetic (same operations in the same order) does not
// depend on how many tokens share the call or the tile, so a decode row equals the same row
// computed in a prefill batch, bit for bit.
//
// 256-bit AVX2 integer ops throughout (pmaddubsw, pmaddwd, psignb), so the one header serves
// the avx2, avx512 and avx512vnni targets; templated on the traits type only so that it is
// compiled under each target's pragma (simd_prelude.h says why).
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "kernels/cpu/row_prefetch.h"
#include "kernels/weight_matrix.h"

namespace vllm::cpu::simd {

// x quantized per 32 values, [m][cols / 32] blocks.
struct GgufQ8X {
  std::vector<int8_t> q;     // [m][cols]
  std::vector<float> d;      // [m][cols / 32] dx
  std::vector<float> bsum;   // [m][cols / 32] dx * sum of the block's codes (Q4_K's mins)
};

inline bool GgufInt8Format(BlockQuant b) { return b == BlockQuant::kQ8_0 || b == BlockQuant::kQ4_K; }

// One block of 32 floats -> 32 codes, dx and bsum (the scalar reference is ref::QuantizeQ8Blocks).
template <class S>
void QuantizeQ8Block(const float* x, int8_t* q, float* d, float* bsum) {
  const __m256 sign = _mm256_set1_ps(-0.f);
  __m256 v[4];
  for (int i = 0; i < 4; ++i) v[i] = _mm256_loadu_ps(x + 8 * i);
  __m256 m = _mm256_max_ps(_mm256_max_ps(_mm256_andnot_ps(sign, v[0]), _mm256_andnot_ps(sign, v[1])),
                           _mm256_max_ps(_mm256_andnot_ps(sign, v[2]), _mm256_andnot_ps(sign, v[3])));
  __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
  h = _mm_max_ps(h, _mm_movehl_ps(h, h));
  h = _mm_max_ss(h, _mm_movehdup_ps(h));
  const float amax = _mm_cvtss_f32(h);
  const float dx = amax / 127.f;
  const __m256 inv = _mm256_set1_ps(amax > 0.f ? 127.f / amax : 0.f);
  // Round to nearest even (MXCSR default), as std::nearbyint in the reference; the packs
  // saturate, so no code leaves [-127, 127] (|x * inv| <= 127 up to one rounding).
  __m256i i[4];
  for (int k = 0; k < 4; ++k) i[k] = _mm256_cvtps_epi32(_mm256_mul_ps(v[k], inv));
  const __m256i s = _mm256_add_epi32(_mm256_add_epi32(i[0], i[1]), _mm256_add_epi32(i[2], i[3]));
  __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
  s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4E));
  s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xB1));
  // packs work within 128-bit lanes: dwords end up in the order 0 4 1 5 2 6 3 7.
  const __m256i p16a = _mm256_packs_epi32(i[0], i[1]), p16b = _mm256_packs_epi32(i[2], i[3]);
  const __m256i p8 = _mm256_packs_epi16(p16a, p16b);
  const __m256i ordered = _mm256_permutevar8x32_epi32(p8, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(q), ordered);
  *d = dx;
  *bsum = dx * static_cast<float>(_mm_cvtsi128_si32(s4));
}

template <class S>
void QuantizeGgufQ8X(const float* x, int64_t m, int64_t cols, GgufQ8X* out) {
  const int64_t nb = cols / 32;
  out->q.resize(static_cast<size_t>(m * cols));
  out->d.resize(static_cast<size_t>(m * nb));
  out->bsum.resize(static_cast<size_t>(m * nb));
  for (int64_t t = 0; t < m; ++t)
    for (int64_t b = 0; b < nb; ++b)
      QuantizeQ8Block<S>(x + t * cols + 32 * b, out->q.data() + t * cols + 32 * b, &out->d[t * nb + b],
                         &out->bsum[t * nb + b]);
}

template <class T>
__m256i LoadQ8(const T* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

// 8 int32 lanes of sum_k u_k s_k over 32 byte pairs (u unsigned <= 128, s signed <= 127).
template <class S>
__m256i DotU8I8(__m256i u, __m256i s) {
  if constexpr (S::kVnni) return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s);
  else return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}

// [sum p0, sum p1, ..., sum p7]: the lane sums of 8 vectors as one vector.
template <class S>
__m256i HorizontalSums8(const __m256i* p) {
  const __m256i h01 = _mm256_hadd_epi32(p[0], p[1]), h23 = _mm256_hadd_epi32(p[2], p[3]);
  const __m256i h45 = _mm256_hadd_epi32(p[4], p[5]), h67 = _mm256_hadd_epi32(p[6], p[7]);
  const __m256i q0 = _mm256_hadd_epi32(h01, h23), q1 = _mm256_hadd_epi32(h45, h67);
  return _mm256_add_epi32(_mm256_permute2x128_si256(q0, q1, 0x20), _mm256_permute2x128_si256(q0, q1, 0x31));
}

template <class S>
float ReduceAdd256(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline float HalfBits(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}

// Q8_0 row `rp` (34-byte blocks: f16 d, 32 int8) against tokens t0 .. t0+TM. Eight blocks per
// step: their integer sums gathered into one vector (lane i = block i) meet the 8 combined
// scales d_b dx_b in one FMA, instead of a convert, broadcast and FMA per block; the last
// nblocks % 8 blocks go one at a time.
template <class S, int TM>
void Q8_0RowTokens(const uint8_t* rp, int64_t nblocks, const GgufQ8X& x, int64_t cols, int64_t t0, float* out) {
  const int8_t* xq[TM];
  const float* dx[TM];
  for (int j = 0; j < TM; ++j) xq[j] = x.q.data() + (t0 + j) * cols, dx[j] = x.d.data() + (t0 + j) * nblocks;
  __m256 acc[TM];
  for (auto& a : acc) a = _mm256_setzero_ps();
  int64_t b = 0;
  for (; b + 8 <= nblocks; b += 8) {
    const uint8_t* p = rp + b * 34;
    alignas(16) uint16_t dh[8];
    for (int i = 0; i < 8; ++i) std::memcpy(&dh[i], p + 34 * i, 2);
    const __m256 d = _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(dh)));
    for (int j = 0; j < TM; ++j) {
      __m256i dots[8];
      for (int i = 0; i < 8; ++i) {
        const __m256i w = LoadQ8(p + 34 * i + 2);
        dots[i] = DotU8I8<S>(_mm256_abs_epi8(w), _mm256_sign_epi8(LoadQ8(xq[j] + 32 * (b + i)), w));
      }
      const __m256 cs = _mm256_mul_ps(d, _mm256_loadu_ps(dx[j] + b));
      acc[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(HorizontalSums8<S>(dots)), cs, acc[j]);
    }
  }
  for (; b < nblocks; ++b) {
    const uint8_t* p = rp + b * 34;
    const float d = HalfBits(p);
    const __m256i w = LoadQ8(p + 2), aw = _mm256_abs_epi8(w);
    for (int j = 0; j < TM; ++j) {
      const __m256i dot = DotU8I8<S>(aw, _mm256_sign_epi8(LoadQ8(xq[j] + 32 * b), w));
      acc[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_set1_ps(d * dx[j][b]), acc[j]);
    }
  }
  for (int j = 0; j < TM; ++j) out[j] = ReduceAdd256<S>(acc[j]);
}

// The 8 6-bit scales and mins of a Q4_K block's scales[12] (KQuantScaleMin, 4 bytes at a time):
// bytes 0-3 hold scales 0-3 (low 6 bits) and the top 2 bits of scales 4-7; bytes 4-7 the mins
// 0-3 and the top bits of mins 4-7; bytes 8-11 the low nibbles of scales 4-7 / mins 4-7.
inline void Q4KScalesMins(const uint8_t* s, uint8_t* sc, uint8_t* mn) {
  uint32_t w0, w1, w2;
  std::memcpy(&w0, s, 4);
  std::memcpy(&w1, s + 4, 4);
  std::memcpy(&w2, s + 8, 4);
  const uint32_t sc_lo = w0 & 0x3f3f3f3fu, mn_lo = w1 & 0x3f3f3f3fu;
  const uint32_t sc_hi = (w2 & 0x0f0f0f0fu) | (((w0 >> 6) & 0x03030303u) << 4);
  const uint32_t mn_hi = ((w2 >> 4) & 0x0f0f0f0fu) | (((w1 >> 6) & 0x03030303u) << 4);
  std::memcpy(sc, &sc_lo, 4);
  std::memcpy(sc + 4, &sc_hi, 4);
  std::memcpy(mn, &mn_lo, 4);
  std::memcpy(mn + 4, &mn_hi, 4);
}

// Q4_K row `rp` (144-byte blocks of 256: f16 d, f16 dmin, scales[12], 128 bytes of nibbles;
// 32-byte chunk c holds sub-block 2c in its low nibbles, 2c+1 in its high ones) against tokens
// t0 .. t0+TM. Per block and token: 8 integer sub-block sums gathered into one vector, one FMA
// with the 8 combined scales d sc_s dx_s, one with the mins.
template <class S, int TM>
void Q4_KRowTokens(const uint8_t* rp, int64_t nblocks, const GgufQ8X& x, int64_t cols, int64_t t0, float* out) {
  const int64_t nsub = cols / 32;
  const int8_t* xq[TM];
  const float* dx[TM];
  const float* bs[TM];
  for (int j = 0; j < TM; ++j)
    xq[j] = x.q.data() + (t0 + j) * cols, dx[j] = x.d.data() + (t0 + j) * nsub, bs[j] = x.bsum.data() + (t0 + j) * nsub;
  __m256 acc[TM];
  for (auto& a : acc) a = _mm256_setzero_ps();
  const __m256i nib = _mm256_set1_epi8(0x0F);
  for (int64_t b = 0; b < nblocks; ++b) {
    const uint8_t* p = rp + b * 144;
    alignas(8) uint8_t sc[8], mn[8];
    Q4KScalesMins(p + 4, sc, mn);
    const __m256 d = _mm256_set1_ps(HalfBits(p)), dmin = _mm256_set1_ps(HalfBits(p + 2));
    int64_t sc64, mn64;
    std::memcpy(&sc64, sc, 8);
    std::memcpy(&mn64, mn, 8);
    const __m256 dsc = _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128(sc64))));
    const __m256 dmn = _mm256_mul_ps(dmin, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128(mn64))));
    __m256i q[8];
    for (int c = 0; c < 4; ++c) {
      const __m256i v = LoadQ8(p + 16 + 32 * c);
      q[2 * c] = _mm256_and_si256(v, nib);
      q[2 * c + 1] = _mm256_and_si256(_mm256_srli_epi16(v, 4), nib);
    }
    for (int j = 0; j < TM; ++j) {
      const int8_t* xb = xq[j] + 256 * b;
      __m256i dots[8];
      for (int s = 0; s < 8; ++s) dots[s] = DotU8I8<S>(q[s], LoadQ8(xb + 32 * s));
      const __m256 isum = _mm256_cvtepi32_ps(HorizontalSums8<S>(dots));
      const __m256 cs = _mm256_mul_ps(dsc, _mm256_loadu_ps(dx[j] + 8 * b));
      acc[j] = _mm256_fmadd_ps(isum, cs, acc[j]);
      acc[j] = _mm256_fnmadd_ps(dmn, _mm256_loadu_ps(bs[j] + 8 * b), acc[j]);
    }
  }
  for (int j = 0; j < TM; ++j) out[j] = ReduceAdd256<S>(acc[j]);
}

// Rows [r0, r1) of a Q8_0 / Q4_K W for all m tokens, up to 4 tokens per pass over a row (the
// row stays in L1 between passes).
template <class S>
void GgufInt8Rows(const WeightMatrix& w, const GgufQ8X& x, int64_t m, float* y, int64_t r0, int64_t r1) {
  constexpr int TM = 4;
  const int64_t cols = w.cols, row_bytes = static_cast<int64_t>(w.RowBytes());
  const int64_t nblocks = cols / BlockElems(w.block);
  const bool q4k = w.block == BlockQuant::kQ4_K;
  const uint8_t* base = w.data.data<uint8_t>();
  const float* bias = w.has_bias() ? w.bias.data<float>() : nullptr;
  for (int64_t r = r0; r < r1; ++r) {
    PrefetchRowAhead(base, row_bytes, r, r1);
    const uint8_t* rp = base + r * row_bytes;
    for (int64_t t0 = 0; t0 < m; t0 += TM) {
      const int nt = static_cast<int>(std::min<int64_t>(TM, m - t0));
      float out[TM];
      if (q4k) {
        switch (nt) {
          case 4: Q4_KRowTokens<S, 4>(rp, nblocks, x, cols, t0, out); break;
          case 3: Q4_KRowTokens<S, 3>(rp, nblocks, x, cols, t0, out); break;
          case 2: Q4_KRowTokens<S, 2>(rp, nblocks, x, cols, t0, out); break;
          default: Q4_KRowTokens<S, 1>(rp, nblocks, x, cols, t0, out); break;
        }
      } else {
        switch (nt) {
          case 4: Q8_0RowTokens<S, 4>(rp, nblocks, x, cols, t0, out); break;
          case 3: Q8_0RowTokens<S, 3>(rp, nblocks, x, cols, t0, out); break;
          case 2: Q8_0RowTokens<S, 2>(rp, nblocks, x, cols, t0, out); break;
          default: Q8_0RowTokens<S, 1>(rp, nblocks, x, cols, t0, out); break;
        }
      }
      for (int j = 0; j < nt; ++j) y[(t0 + j) * w.rows + r] = out[j] + (bias ? bias[r] : 0.f);
    }
  }
}

}  // namespace vllm::cpu::simd
