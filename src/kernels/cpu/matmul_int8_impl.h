// Matmul of MLX affine 8-bit and 4-bit weights on int8 activations with AVX-512 VNNI
// (vpdpbusd: unsigned 8-bit codes x signed 8-bit activations, 32 multiply-adds per 256-bit
// instruction), for the opt-in avx512vnni-int8 target (dispatch.h). This is the precision class
// of llama.cpp's CPU kernels (Q8_0 activations): the f32 path widens every code to a float and
// is compute-bound on 4-bit weights (docs/PERFORMANCE.md); here a code is never widened.
//
// Rounding: per token and weight group, x ~ dx * xq with xq = round(x / dx) in [-127, 127] and
// dx = max|x_group| / 127, an absolute error <= dx / 2 per element. Then for row r, token t,
// group g:
//   sum_k w_k x_k ~= s_g * dx_tg * sum_k q_k xq_k  +  b_g * sum_k x_k
// with the integer sum exact in int32 (|q xq| <= 255 * 127; 4 products per lane and
// instruction, <= 128 codes per group) and sum_k x_k the f32 sum of the unrounded x, so only
// the scale term carries the rounding: |error| <= sum_g |s_g| * sum_k q_k * dx_tg / 2.
//
// 256-bit vectors on purpose: Zen 4 splits 512-bit integer ops into two 256-bit halves, so
// ymm loses nothing there and keeps the group bookkeeping simple (one 4-bit group of 64 codes
// = one 32-byte load). Used for 8-bit weights and for 4-bit weights whose group size is a
// multiple of 64; other weights take the Avx512Vnni kernels.
//
// Templated on the traits type only so that it is compiled inside the VNNI translation unit
// (matmul_avx512vnni.cc), under its target pragma.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/cpu/row_prefetch.h"
#include "kernels/weight_matrix.h"

namespace vllm::cpu::simd {

template <class S>
void WidenGroupParams(const WeightMatrix& w, int64_t r, float* scales, float* biases);  // matmul_impl.h

struct Int8X {
  std::vector<int8_t> xq;   // [m][cols]; for 4-bit weights, each 64-code block as its 32
                            // even-index values then its 32 odd-index ones (nibble order)
  std::vector<float> dx;    // [m][G]
  std::vector<float> xsum;  // [m][G]
};

template <class S>
bool Int8Eligible(const WeightMatrix& w) {
  return w.quantized && (w.bits == 8 || (w.bits == 4 && w.group_size % 64 == 0));
}

// One group of x: amax, sum, and the int8 codes in the weights' code order.
template <class S>
void QuantizeGroup8(const float* xg, int64_t gs, int bits, int8_t* q, float* dx, float* sum) {
  __m512 vmax = _mm512_setzero_ps(), vsum = _mm512_setzero_ps();
  for (int64_t k = 0; k < gs; k += 16) {
    const __m512 v = _mm512_loadu_ps(xg + k);
    vmax = _mm512_max_ps(vmax, _mm512_abs_ps(v));
    vsum = _mm512_add_ps(vsum, v);
  }
  const float amax = _mm512_reduce_max_ps(vmax);
  *sum = _mm512_reduce_add_ps(vsum);
  *dx = amax / 127.f;
  const __m512 inv = _mm512_set1_ps(amax > 0.f ? 127.f / amax : 0.f);
  // |x * inv| <= 127 up to rounding; the conversion rounds to nearest even (MXCSR default) and
  // the narrowing saturates, so no code leaves [-127, 127].
  auto codes = [&](__m512 v) { return _mm512_cvtsepi32_epi8(_mm512_cvtps_epi32(_mm512_mul_ps(v, inv))); };
  if (bits != 4) {
    for (int64_t k = 0; k < gs; k += 16) _mm_storeu_si128(reinterpret_cast<__m128i*>(q + k), codes(_mm512_loadu_ps(xg + k)));
    return;
  }
  // Nibble order: per 64-code block, the 32 even-index values, then the 32 odd-index ones.
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  for (int64_t k = 0; k < gs; k += 64) {
    for (int h = 0; h < 2; ++h) {
      const __m512 a = _mm512_loadu_ps(xg + k + 32 * h), b = _mm512_loadu_ps(xg + k + 32 * h + 16);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(q + k + 16 * h), codes(_mm512_permutex2var_ps(a, even, b)));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(q + k + 32 + 16 * h), codes(_mm512_permutex2var_ps(a, odd, b)));
    }
  }
}

template <class S>
void QuantizeX8(const float* x, int64_t m, int64_t cols, int64_t gs, int bits, Int8X* out) {
  const int64_t G = cols / gs;
  out->xq.resize(static_cast<size_t>(m * cols));
  out->dx.resize(static_cast<size_t>(m * G));
  out->xsum.resize(static_cast<size_t>(m * G));
  for (int64_t t = 0; t < m; ++t)
    for (int64_t g = 0; g < G; ++g)
      QuantizeGroup8<S>(x + t * cols + g * gs, gs, bits, out->xq.data() + t * cols + g * gs, &out->dx[t * G + g],
                        &out->xsum[t * G + g]);
}

// Templates only, here: nothing is emitted outside the VNNI translation unit (simd_prelude.h).
template <class T>
__m256i Load256(const T* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

// 64 codes starting at byte p of a row as two vectors of 32 unsigned bytes, in x's order
// (QuantizeGroup8): 4-bit, the low then the high nibbles of 32 bytes; 8-bit, 64 bytes as they are.
template <int Bits>
void Codes64(const uint8_t* p, __m256i* a, __m256i* b) {
  if constexpr (Bits == 4) {
    const __m256i mask = _mm256_set1_epi8(0x0F), v = Load256(p);
    *a = _mm256_and_si256(v, mask);
    *b = _mm256_and_si256(_mm256_srli_epi16(v, 4), mask);
  } else {
    *a = Load256(p);
    *b = Load256(p + 32);
  }
}

// One output from its scale-term accumulator: + the bias term sum_g b_g * xsum_tg (bi: the
// row's biases, xs: the token's x group sums), reduced to a float.
template <class S>
float FinishInt8Output(__m256 acc, const float* bi, const float* xs, int64_t G) {
  const int64_t gfull = G / 8 * 8;
  for (int64_t g = 0; g < gfull; g += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(bi + g), _mm256_loadu_ps(xs + g), acc);
  float tail = 0.f;
  for (int64_t g = gfull; g < G; ++g) tail += bi[g] * xs[g];
  const __m128 h = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
  const __m128 q = _mm_add_ps(h, _mm_movehl_ps(h, h));
  return _mm_cvtss_f32(_mm_add_ss(q, _mm_movehdup_ps(q))) + tail;
}

// Output row r for tokens [t0, t0 + TM): cs[j*G + g] = s_g * dx_tg (combined scale), bi the
// row's biases, xsum/xq/dx from Int8X.
// GS: the group size as a compile-time constant (fully unrolled groups), 0 for any.
template <class S, int Bits, int TM, int GS>
void Int8RowTokens(const uint8_t* row, const WeightMatrix& w, const Int8X& x, const float* cs, const float* bi,
                   int64_t r, int64_t t0, const float* bias, float* y) {
  const int64_t cols = w.cols, G = w.groups_per_row(), gs = GS ? GS : w.group_size;
  const int8_t* xq[TM];
  for (int j = 0; j < TM; ++j) xq[j] = x.xq.data() + (t0 + j) * cols;
  // Integer dot products of group g for every token into dot[j]; two chains per token (one
  // per nibble / per alternate load) so that dpbusd's latency overlaps even for one token.
  auto group = [&](int64_t g, __m256i* dot) __attribute__((always_inline)) {
    __m256i ia[TM], ib[TM];
    for (int j = 0; j < TM; ++j) ia[j] = _mm256_setzero_si256(), ib[j] = _mm256_setzero_si256();
    const uint8_t* rg = row + g * gs * Bits / 8;
    int64_t c = 0;
    for (; c + 64 <= gs; c += 64) {  // 4-bit groups are multiples of 64 (Int8Eligible)
      __m256i a, b;
      Codes64<Bits>(rg + c * Bits / 8, &a, &b);
      for (int j = 0; j < TM; ++j) {
        const int8_t* xg = xq[j] + g * gs + c;
        ia[j] = _mm256_dpbusd_epi32(ia[j], a, Load256(xg));
        ib[j] = _mm256_dpbusd_epi32(ib[j], b, Load256(xg + 32));
      }
    }
    if constexpr (Bits == 8) {
      if (c < gs) {  // gs == 32: one 32-byte load
        const __m256i v = Load256(rg + c);
        for (int j = 0; j < TM; ++j) ia[j] = _mm256_dpbusd_epi32(ia[j], v, Load256(xq[j] + g * gs + c));
      }
    }
    for (int j = 0; j < TM; ++j) dot[j] = _mm256_add_epi32(ia[j], ib[j]);
  };
  // Even and odd groups accumulate separately: one chain of FMAs (4-cycle latency each) would
  // bound a group of 64 codes to 4 cycles.
  __m256 acc[TM], acc2[TM];
  for (int j = 0; j < TM; ++j) acc[j] = _mm256_setzero_ps(), acc2[j] = _mm256_setzero_ps();
  __m256i dot[TM];
  int64_t g = 0;
  for (; g + 2 <= G; g += 2) {
    group(g, dot);
    for (int j = 0; j < TM; ++j)
      acc[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot[j]), _mm256_set1_ps(cs[j * G + g]), acc[j]);
    group(g + 1, dot);
    for (int j = 0; j < TM; ++j)
      acc2[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot[j]), _mm256_set1_ps(cs[j * G + g + 1]), acc2[j]);
  }
  if (g < G) {
    group(g, dot);
    for (int j = 0; j < TM; ++j)
      acc[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot[j]), _mm256_set1_ps(cs[j * G + g]), acc[j]);
  }
  for (int j = 0; j < TM; ++j)
    y[(t0 + j) * w.rows + r] = FinishInt8Output<S>(_mm256_add_ps(acc[j], acc2[j]), bi, x.xsum.data() + (t0 + j) * G, G) +
                               (bias ? bias[r] : 0.f);
}

// Rows r and r + 1 for tokens [t0, t0 + TM), for many tokens (prefill, batches): each x load
// and each decoded weight vector serves two dot products, and 2 * TM independent chains keep
// the dpbusd pipes busy without the split chains of Int8RowTokens. cs0/cs1: the rows' combined
// scales as in Int8RowTokens; bi: both rows' biases, [2][G]. Groups of a multiple of 64.
template <class S, int Bits, int TM, int GS>
void Int8PairTokens(const uint8_t* row0, int64_t row_bytes, const WeightMatrix& w, const Int8X& x, const float* cs0,
                    const float* cs1, const float* bi, int64_t r, int64_t t0, const float* bias, float* y) {
  const int64_t cols = w.cols, G = w.groups_per_row(), gs = GS ? GS : w.group_size;
  const uint8_t* row1 = row0 + row_bytes;
  const int8_t* xq[TM];
  for (int j = 0; j < TM; ++j) xq[j] = x.xq.data() + (t0 + j) * cols;
  __m256 acc0[TM], acc1[TM];
  for (int j = 0; j < TM; ++j) acc0[j] = _mm256_setzero_ps(), acc1[j] = _mm256_setzero_ps();
  for (int64_t g = 0; g < G; ++g) {
    __m256i i0[TM], i1[TM];
    for (int j = 0; j < TM; ++j) i0[j] = _mm256_setzero_si256(), i1[j] = _mm256_setzero_si256();
    const int64_t k0 = g * gs, b0 = k0 * Bits / 8;
    // Per step: 64 codes of each row against the same two x vectors.
    for (int64_t c = 0; c < gs; c += 64) {
      __m256i a0, a1, b0v, b1v;
      Codes64<Bits>(row0 + b0 + c * Bits / 8, &a0, &b0v);
      Codes64<Bits>(row1 + b0 + c * Bits / 8, &a1, &b1v);
      for (int j = 0; j < TM; ++j) {
        const __m256i xa = Load256(xq[j] + k0 + c), xb = Load256(xq[j] + k0 + c + 32);
        i0[j] = _mm256_dpbusd_epi32(_mm256_dpbusd_epi32(i0[j], a0, xa), b0v, xb);
        i1[j] = _mm256_dpbusd_epi32(_mm256_dpbusd_epi32(i1[j], a1, xa), b1v, xb);
      }
    }
    for (int j = 0; j < TM; ++j) {
      acc0[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(i0[j]), _mm256_set1_ps(cs0[j * G + g]), acc0[j]);
      acc1[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(i1[j]), _mm256_set1_ps(cs1[j * G + g]), acc1[j]);
    }
  }
  for (int j = 0; j < TM; ++j) {
    const float* xs = x.xsum.data() + (t0 + j) * G;
    float* yt = y + (t0 + j) * w.rows;
    yt[r] = FinishInt8Output<S>(acc0[j], bi, xs, G) + (bias ? bias[r] : 0.f);
    yt[r + 1] = FinishInt8Output<S>(acc1[j], bi + G, xs, G) + (bias ? bias[r + 1] : 0.f);
  }
}

// Combined scales cs[j*G + g] = s_g * dx_(t0+j),g of one row for tokens t0 .. t0+nt.
template <class S>
void CombinedScales(const Int8X& x, const float* sc, int64_t G, int64_t t0, int nt, float* cs) {
  for (int j = 0; j < nt; ++j) {
    const float* dx = x.dx.data() + (t0 + j) * G;
    for (int64_t g = 0; g < G; ++g) cs[j * G + g] = sc[g] * dx[g];
  }
}

// Rows [r0, r1) of W for all m tokens, TM tokens per pass over a row (the row stays in L1
// between passes); rows in pairs (Int8PairTokens) when there are many tokens. params:
// per-thread scratch of >= 12 * G floats.
template <class S, int Bits, int GS>
void Int8Rows(const WeightMatrix& w, const Int8X& x, int64_t m, float* y, int64_t r0, int64_t r1, float* params) {
  constexpr int TM = 4;
  const int64_t G = w.groups_per_row(), row_bytes = w.cols * Bits / 8;
  const uint8_t* base = w.data.data<uint8_t>();
  const float* bias = w.has_bias() ? w.bias.data<float>() : nullptr;
  float* sc = params;         // [2][G] scales of a row pair
  float* bi = sc + 2 * G;     // [2][G] biases
  float* cs = bi + 2 * G;     // [2][TM][G] combined scales
  const bool pairs = m >= 2 * TM && w.group_size % 64 == 0;
  int64_t r = r0;
  for (; pairs && r + 2 <= r1; r += 2) {
    PrefetchRowAhead(base, row_bytes, r, r1);
    PrefetchRowAhead(base, row_bytes, r + 1, r1);
    WidenGroupParams<S>(w, r, sc, bi);
    WidenGroupParams<S>(w, r + 1, sc + G, bi + G);
    const uint8_t* row = base + r * row_bytes;
    for (int64_t t0 = 0; t0 < m; t0 += TM) {
      const int nt = static_cast<int>(std::min<int64_t>(TM, m - t0));
      CombinedScales<S>(x, sc, G, t0, nt, cs);
      CombinedScales<S>(x, sc + G, G, t0, nt, cs + TM * G);
      const float* cs1 = cs + TM * G;
      switch (nt) {
        case 4: Int8PairTokens<S, Bits, 4, GS>(row, row_bytes, w, x, cs, cs1, bi, r, t0, bias, y); break;
        case 3: Int8PairTokens<S, Bits, 3, GS>(row, row_bytes, w, x, cs, cs1, bi, r, t0, bias, y); break;
        case 2: Int8PairTokens<S, Bits, 2, GS>(row, row_bytes, w, x, cs, cs1, bi, r, t0, bias, y); break;
        default: Int8PairTokens<S, Bits, 1, GS>(row, row_bytes, w, x, cs, cs1, bi, r, t0, bias, y); break;
      }
    }
  }
  for (; r < r1; ++r) {
    PrefetchRowAhead(base, row_bytes, r, r1);
    WidenGroupParams<S>(w, r, sc, bi);
    const uint8_t* row = base + r * row_bytes;
    for (int64_t t0 = 0; t0 < m; t0 += TM) {
      const int nt = static_cast<int>(std::min<int64_t>(TM, m - t0));
      CombinedScales<S>(x, sc, G, t0, nt, cs);
      switch (nt) {
        case 4: Int8RowTokens<S, Bits, 4, GS>(row, w, x, cs, bi, r, t0, bias, y); break;
        case 3: Int8RowTokens<S, Bits, 3, GS>(row, w, x, cs, bi, r, t0, bias, y); break;
        case 2: Int8RowTokens<S, Bits, 2, GS>(row, w, x, cs, bi, r, t0, bias, y); break;
        default: Int8RowTokens<S, Bits, 1, GS>(row, w, x, cs, bi, r, t0, bias, y); break;
      }
    }
  }
}

// MLX's group sizes get unrolled kernels.
template <class S, int Bits>
void Int8Rows(const WeightMatrix& w, const Int8X& x, int64_t m, float* y, int64_t r0, int64_t r1, float* params) {
  switch (w.group_size) {
    case 32: if constexpr (Bits == 8) return Int8Rows<S, Bits, 32>(w, x, m, y, r0, r1, params); break;
    case 64: return Int8Rows<S, Bits, 64>(w, x, m, y, r0, r1, params);
    case 128: return Int8Rows<S, Bits, 128>(w, x, m, y, r0, r1, params);
  }
  Int8Rows<S, Bits, 0>(w, x, m, y, r0, r1, params);
}

}  // namespace vllm::cpu::simd
