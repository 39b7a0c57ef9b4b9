// Tile GEMM with 16-bit activations for AVX-512 VNNI (vpdpwssd: 32 multiply-adds per
// instruction, twice the f32 FMA rate), used by the Avx512Vnni target for affine weights when
// m exceeds the fused path (prefill, large decode batches).
//
// Codes are exact small integers, so the only rounding is x's: per token and weight group,
// x ~ dx * xq with xq = round(x / dx) in int16 and dx = max|x_group| / 32767, i.e. an absolute
// error <= dx / 2 per element (relative ~1.5e-5 of the group's largest |x|), 30x finer than
// bf16 activations. Then for row r, token t, group g:
//   sum_k w_k x_k = s_g * dx_tg * sum_k q_k xq_k  +  b_g * sum_k x_k
// with the integer sum exact in int32 (|q xq| <= 255 * 32767, <= 128 codes per group) and
// sum_k x_k the f32 sum of the unrounded x.
//
// Everything is templated on the traits type so that it is only ever compiled inside the
// VNNI translation unit (matmul_avx512vnni.cc), under its target pragma.
//
// Layouts, vectors over 16 tokens (as in the f32 tile path): xq as [cols/2][mp][2] int16 (one
// zmm = one k-pair for 16 tokens), dx and the x group sums as [G][mp]; the weight tile as int16
// codes per row, read as 32-bit k-pairs and broadcast.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "kernels/cpu/dequant.h"
#include "kernels/weight_matrix.h"
#include "util/check.h"

namespace vllm::cpu::simd {

struct VnniX {
  std::vector<int16_t> xq;   // [cols/2][mp][2]
  std::vector<float> dx;     // [G][mp]
  std::vector<float> xsum;   // [G][mp]
};

template <class S>
void QuantizeX16(const float* x, int64_t m, int64_t mp, int64_t cols, int64_t gs, VnniX* out) {
  const int64_t G = cols / gs;
  out->xq.assign(static_cast<size_t>(cols * mp), 0);
  out->dx.assign(static_cast<size_t>(G * mp), 0.f);
  out->xsum.assign(static_cast<size_t>(G * mp), 0.f);
  for (int64_t t = 0; t < m; ++t)
    for (int64_t g = 0; g < G; ++g) {
      const float* xg = x + t * cols + g * gs;
      float amax = 0.f, sum = 0.f;
      for (int64_t k = 0; k < gs; ++k) amax = std::max(amax, std::fabs(xg[k])), sum += xg[k];
      const float dx = amax / 32767.f;
      const float inv = amax > 0.f ? 32767.f / amax : 0.f;
      out->dx[g * mp + t] = dx;
      out->xsum[g * mp + t] = sum;
      for (int64_t k = 0; k < gs; ++k) {
        const int64_t kk = g * gs + k;
        out->xq[((kk / 2) * mp + t) * 2 + (kk & 1)] = static_cast<int16_t>(std::lrint(xg[k] * inv));
      }
    }
}

// Row r's codes as int16, natural order, into out[cols].
template <class S>
void CodesRow16(const WeightMatrix& w, int64_t r, int16_t* out) {
  const int64_t cols = w.cols;
  const uint8_t* bytes = w.data.data<uint8_t>() + r * (cols * w.bits / 8);
  if (w.bits == 8) {
    for (int64_t c = 0; c < cols; c += 32)
      _mm512_storeu_si512(out + c, _mm512_cvtepu8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(bytes + c))));
  } else if (w.bits == 4) {
    const __m128i mask = _mm_set1_epi8(0x0F);
    for (int64_t c = 0; c < cols; c += 32) {
      const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes + c / 2));
      const __m128i lo = _mm_and_si128(b, mask), hi = _mm_and_si128(_mm_srli_epi16(b, 4), mask);
      const __m256i codes = _mm256_set_m128i(_mm_unpackhi_epi8(lo, hi), _mm_unpacklo_epi8(lo, hi));
      _mm512_storeu_si512(out + c, _mm512_cvtepu8_epi16(codes));
    }
  } else {
    float tmp[32];
    const uint32_t* words = reinterpret_cast<const uint32_t*>(bytes);
    for (int64_t c = 0; c < cols; c += 32) {
      switch (w.bits) {
        case 2: Unpack32<2>(words + c / 32 * 2, tmp); break;
        case 3: Unpack32<3>(words + c / 32 * 3, tmp); break;
        case 5: Unpack32<5>(words + c / 32 * 5, tmp); break;
        case 6: Unpack32<6>(words + c / 32 * 6, tmp); break;
        default: CHECK(false) << "unsupported bits " << w.bits;
      }
      for (int k = 0; k < 32; ++k) out[c + k] = static_cast<int16_t>(tmp[k]);
    }
  }
}

// y[t0 .. t0+nt, r .. r+R) for R rows of int16 codes (`stride` int16 apart).
template <class S, int R>
void VnniMicro(const int16_t* tile, int64_t stride, const WeightMatrix& w, const VnniX& vx, int64_t mp,
               const float* params /*[R][2G]*/, int64_t t0, int64_t nt, int64_t r, float* y) {
  const int64_t G = w.groups_per_row(), pairs_per_group = w.group_size / 2;
  // Rows as 32-bit k-pairs (rows start 4-byte aligned: stride is even).
  const int32_t* rp[R];
  for (int i = 0; i < R; ++i) rp[i] = reinterpret_cast<const int32_t*>(tile + i * stride);
  const int16_t* xq = vx.xq.data() + t0 * 2;
  __m512 acc[R];
  for (auto& v : acc) v = _mm512_setzero_ps();
  for (int64_t g = 0; g < G; ++g) {
    __m512i iacc[R];
    for (auto& v : iacc) v = _mm512_setzero_si512();
    const int64_t p0 = g * pairs_per_group;
    for (int64_t p = p0; p < p0 + pairs_per_group; ++p) {
      const __m512i xv = _mm512_loadu_si512(xq + p * mp * 2);
      // The broadcast pair as the last operand can be an embedded {1to16} memory broadcast.
      for (int i = 0; i < R; ++i) iacc[i] = _mm512_dpwssd_epi32(iacc[i], xv, _mm512_set1_epi32(rp[i][p]));
    }
    const __m512 dxv = _mm512_loadu_ps(vx.dx.data() + g * mp + t0);
    const __m512 xsv = _mm512_loadu_ps(vx.xsum.data() + g * mp + t0);
    for (int i = 0; i < R; ++i) {
      const float* pi = params + i * 2 * G;
      const __m512 scale = _mm512_mul_ps(_mm512_set1_ps(pi[g]), dxv);
      acc[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(iacc[i]), scale, acc[i]);
      acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(pi[G + g]), xsv, acc[i]);
    }
  }
  const float* bias = w.has_bias() ? w.bias.data<float>() : nullptr;
  alignas(64) float out[16];
  for (int i = 0; i < R; ++i) {
    _mm512_store_ps(out, acc[i]);
    const float b = bias ? bias[r + i] : 0.f;
    for (int64_t j = 0; j < nt; ++j) y[(t0 + j) * w.rows + r + i] = out[j] + b;
  }
}

// Rows [r0, r1) of affine W for all m tokens.
template <class S>
void VnniTileRows(const WeightMatrix& w, const VnniX& vx, int64_t m, int64_t mp, float* y, int64_t r0,
                         int64_t r1) {
  constexpr int64_t kRows = 16;
  constexpr int R = 8;  // 8 float + 8 int32 accumulators
  const int64_t cols = w.cols, G = w.groups_per_row();
  const int64_t stride = cols + 32;  // padded against 4 KiB set aliasing, as in TileRows
  thread_local std::vector<int16_t> tile;
  thread_local std::vector<float> params;
  tile.resize(static_cast<size_t>(kRows * stride));
  params.resize(static_cast<size_t>(kRows * 2 * G));
  for (int64_t rb = r0; rb < r1; rb += kRows) {
    const int64_t nr = std::min(kRows, r1 - rb);
    for (int64_t i = 0; i < nr; ++i) {
      CodesRow16<S>(w, rb + i, tile.data() + i * stride);
      GroupParams(w, rb + i, params.data() + i * 2 * G, params.data() + i * 2 * G + G);
    }
    for (int64_t t0 = 0; t0 < m; t0 += 16) {
      const int64_t nt = std::min<int64_t>(16, m - t0);
      int64_t i = 0;
      for (; i + R <= nr; i += R)
        VnniMicro<S, R>(tile.data() + i * stride, stride, w, vx, mp, params.data() + i * 2 * G, t0, nt, rb + i, y);
      for (; i < nr; ++i)
        VnniMicro<S, 1>(tile.data() + i * stride, stride, w, vx, mp, params.data() + i * 2 * G, t0, nt, rb + i, y);
    }
  }
}

}  // namespace vllm::cpu::simd
