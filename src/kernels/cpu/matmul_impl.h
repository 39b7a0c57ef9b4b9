// The SIMD matmul, written once over a vector-traits type S (simd_avx512.h, simd_avx2.h,
// simd_neon.h) and instantiated by matmul_<target>.cc. Two shapes of work (the opt-in VNNI
// targets replace them for affine weights: matmul_vnni_impl.h, matmul_int8_impl.h):
//  - Fused (m <= S::kFusedTokens*2, decode): codes are widened in registers and multiplied
//    straight into per-group accumulators; each weight byte is read once from memory and
//    nothing is written back. For affine weights sum_k x_k (s q_k + b) = s * sum_k x_k q_k +
//    b * sum_k x_k, so the scale is applied once per group and the bias term comes from
//    per-group sums of x computed once per call.
//  - Tile (larger m, prefill and big batches): kBlockRows rows are dequantized once into an
//    f32 tile, then a kTileRows x kLanes-token microkernel (x transposed once per call, so
//    vectors run over tokens) reuses every tile element for kLanes tokens per load.
// 4-bit codes come out of a byte as (even, odd) pairs, so for 4-bit weights x is reordered
// once per call to match: within every 2*kLanes block, the even-index values then the odd ones.
// Sums run in a different order than the scalar path; results agree to f32 rounding.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/cpu/block_decode_impl.h"
#include "kernels/cpu/block_dequant.h"
#include "kernels/cpu/dequant.h"
#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/row_prefetch.h"
#if defined(__x86_64__)
#include "kernels/cpu/matmul_gguf_int8_impl.h"
#include "kernels/cpu/matmul_int8_impl.h"
#include "kernels/cpu/matmul_vnni_impl.h"
#else
#include "kernels/cpu/matmul_vnni_none.h"
#endif
#include "kernels/cpu/cpu_ops.h"
#include "kernels/weight_matrix.h"
#include "util/check.h"
#include "util/half.h"
#include "util/thread_pool.h"

namespace vllm::cpu::simd {

// Per-call inputs shared by all threads (plain data).
struct Args {
  const WeightMatrix* w;
  const float* x;      // [m, cols]; reordered for 4-bit (see above)
  const float* xgsum;  // [m, groups_per_row] sums of x per group (affine only)
  int64_t m;
  float* y;            // [m, rows]
  float* params;       // per-thread scratch for one row's widened group params (set by Rows)
  const float* xT;     // tile path: x transposed, [cols, mp] (tokens padded with zeros)
  int64_t mp;          // m rounded up to the vector width
  const VnniX* vx;     // VNNI tile path (S::kVnni, affine W): x as int16, see matmul_vnni_impl.h
  const Int8X* x8;     // int8-activation path (S::kInt8, Int8Eligible W): matmul_int8_impl.h
  const GgufQ8X* xg8;  // GGUF Q8_0 / Q4_K on int8 activations (S::kGgufInt8): matmul_gguf_int8_impl.h
};

// ---- fused path -------------------------------------------------------------------------

// Chunk loaders: kChunk codes of one row starting at code c, as kChunk/kLanes vectors in the
// order x is laid out.
template <class S>
struct AffineU8 {
  static constexpr int kChunk = S::kLanes;
  static void Load(const void* row, int64_t c, typename S::F* v) {
    v[0] = S::LoadU8(static_cast<const uint8_t*>(row) + c);
  }
};
template <class S>
struct AffineU4 {
  static constexpr int kChunk = 2 * S::kLanes;
  static void Load(const void* row, int64_t c, typename S::F* v) {
    S::LoadU4(static_cast<const uint8_t*>(row) + c / 2, &v[0], &v[1]);
  }
};
template <class S>
struct DenseF32 {
  static constexpr int kChunk = S::kLanes;
  static void Load(const void* row, int64_t c, typename S::F* v) { v[0] = S::Load(static_cast<const float*>(row) + c); }
  static float Scalar(const void* row, int64_t c) { return static_cast<const float*>(row)[c]; }
};
template <class S>
struct DenseBf16 {
  static constexpr int kChunk = S::kLanes;
  static void Load(const void* row, int64_t c, typename S::F* v) { v[0] = S::LoadBf16(static_cast<const uint16_t*>(row) + c); }
  static float Scalar(const void* row, int64_t c) { return Bf16ToF32(static_cast<const uint16_t*>(row)[c]); }
};
template <class S>
struct DenseF16 {
  static constexpr int kChunk = S::kLanes;
  static void Load(const void* row, int64_t c, typename S::F* v) { v[0] = S::LoadF16(static_cast<const uint16_t*>(row) + c); }
  static float Scalar(const void* row, int64_t c) { return F16ToF32(static_cast<const uint16_t*>(row)[c]); }
};

// Row r's scales and biases as f32, kLanes at a time (GroupParams in weight_matrix.h is the
// scalar equivalent).
template <class S>
void WidenGroupParams(const WeightMatrix& w, int64_t r, float* scales, float* biases) {
  const int64_t G = w.groups_per_row(), off = r * G, full = G / S::kLanes * S::kLanes;
  if (w.scale_dtype == DType::kF32 || full == 0) return GroupParams(w, r, scales, biases);
  const uint16_t* s16 = w.scales.data<uint16_t>() + off;
  const uint16_t* b16 = w.biases.data<uint16_t>() + off;
  const bool bf16 = w.scale_dtype == DType::kBF16;
  for (int64_t g = 0; g < full; g += S::kLanes) {
    S::Store(scales + g, bf16 ? S::LoadBf16(s16 + g) : S::LoadF16(s16 + g));
    S::Store(biases + g, bf16 ? S::LoadBf16(b16 + g) : S::LoadF16(b16 + g));
  }
  for (int64_t g = full; g < G; ++g) {
    scales[g] = bf16 ? Bf16ToF32(s16[g]) : F16ToF32(s16[g]);
    biases[g] = bf16 ? Bf16ToF32(b16[g]) : F16ToF32(b16[g]);
  }
}

// R rows starting at r, TM tokens starting at t0, affine weights.
template <class S, class L, int R, int TM>
void FusedAffineBlock(const Args& a, int64_t r, int64_t t0) {
  using F = typename S::F;
  constexpr int kVecs = L::kChunk / S::kLanes;
  const WeightMatrix& w = *a.w;
  const int64_t cols = w.cols, G = w.groups_per_row(), gs = w.group_size;
  const int64_t row_bytes = cols * w.bits / 8;
  const uint8_t* rows[R];
  // Group params widened per row into the caller's scratch ([R][scales G, biases G]) with
  // vector conversions: with 1024-column rows a scalar widening pass, a scalar bias sum and a
  // horizontal reduction per row cost about as much as the row's own FMAs.
  const float* sc[R];
  const float* bi[R];
  for (int i = 0; i < R; ++i) {
    rows[i] = w.data.data<uint8_t>() + (r + i) * row_bytes;
    float* p = a.params + 2 * G * i;
    WidenGroupParams<S>(w, r + i, p, p + G);
    sc[i] = p;
    bi[i] = p + G;
  }
  const float* xt[TM];
  for (int j = 0; j < TM; ++j) xt[j] = a.x + (t0 + j) * cols;
  F acc[R][TM];
  for (auto& ai : acc)
    for (auto& v : ai) v = S::Zero();
  // With few tokens, P partial sums per group give the FMA pipes independent chains.
  constexpr int P = R * TM >= 4 ? 1 : 2;
  for (int64_t g = 0; g < G; ++g) {
    F gacc[R][TM][P];
    for (auto& ai : gacc)
      for (auto& aj : ai)
        for (auto& v : aj) v = S::Zero();
    // U chunks per step so that the partial-sum index is a compile-time constant (a runtime
    // index would put the accumulators on the stack). Groups hold >= 32 codes = 2 chunks.
    constexpr int U = (kVecs == 1 && P == 2) ? 2 : 1;
    for (int64_t c = g * gs; c < (g + 1) * gs; c += U * L::kChunk)
      for (int u = 0; u < U; ++u) {
        F q[R][kVecs];
        for (int i = 0; i < R; ++i) L::Load(rows[i], c + u * L::kChunk, q[i]);
        for (int k = 0; k < kVecs; ++k)
          for (int j = 0; j < TM; ++j) {
            const F xv = S::Load(xt[j] + c + u * L::kChunk + k * S::kLanes);
            const int p = (u * kVecs + k) % P;
            for (int i = 0; i < R; ++i) gacc[i][j][p] = S::Fma(q[i][k], xv, gacc[i][j][p]);
          }
      }
    for (int i = 0; i < R; ++i) {
      const F s = S::Set1(sc[i][g]);
      for (int j = 0; j < TM; ++j) {
        F sum = gacc[i][j][0];
        for (int q = 1; q < P; ++q) sum = S::Add(sum, gacc[i][j][q]);
        acc[i][j] = S::Fma(s, sum, acc[i][j]);
      }
    }
  }
  // The bias term sum_g b_g * xsum_g as a vector dot over groups, folded into the same
  // accumulator so each output needs one horizontal reduction.
  const int64_t gfull = G / S::kLanes * S::kLanes;
  const float* bias = w.has_bias() ? w.bias.data<float>() : nullptr;
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < TM; ++j) {
      const float* xs = a.xgsum + (t0 + j) * G;
      for (int64_t g = 0; g < gfull; g += S::kLanes) acc[i][j] = S::Fma(S::Load(bi[i] + g), S::Load(xs + g), acc[i][j]);
      float tail = 0.f;
      for (int64_t g = gfull; g < G; ++g) tail += bi[i][g] * xs[g];
      a.y[(t0 + j) * w.rows + r + i] = S::ReduceAdd(acc[i][j]) + tail + (bias ? bias[r + i] : 0.f);
    }
}

template <class S, class L, int R, int TM>
void FusedDenseBlock(const Args& a, int64_t r, int64_t t0) {
  using F = typename S::F;
  const WeightMatrix& w = *a.w;
  const int64_t cols = w.cols, full = cols / S::kLanes * S::kLanes;
  const int64_t elem = DTypeSize(w.dtype);
  const void* rows[R];
  for (int i = 0; i < R; ++i) rows[i] = w.data.data<uint8_t>() + (r + i) * cols * elem;
  const float* xt[TM];
  for (int j = 0; j < TM; ++j) xt[j] = a.x + (t0 + j) * cols;
  constexpr int P = R * TM >= 4 ? 1 : 2;  // independent chains, as in FusedAffineBlock
  F acc[R][TM][P];
  for (auto& ai : acc)
    for (auto& aj : ai)
      for (auto& v : aj) v = S::Zero();
  int64_t c = 0;
  // P chunks per step: a compile-time accumulator index keeps them in registers.
  for (; c + P * S::kLanes <= full; c += P * S::kLanes)
    for (int p = 0; p < P; ++p) {
      F q[R];
      for (int i = 0; i < R; ++i) L::Load(rows[i], c + p * S::kLanes, &q[i]);
      for (int j = 0; j < TM; ++j) {
        const F xv = S::Load(xt[j] + c + p * S::kLanes);
        for (int i = 0; i < R; ++i) acc[i][j][p] = S::Fma(q[i], xv, acc[i][j][p]);
      }
    }
  for (; c < full; c += S::kLanes) {
    F q[R];
    for (int i = 0; i < R; ++i) L::Load(rows[i], c, &q[i]);
    for (int j = 0; j < TM; ++j) {
      const F xv = S::Load(xt[j] + c);
      for (int i = 0; i < R; ++i) acc[i][j][0] = S::Fma(q[i], xv, acc[i][j][0]);
    }
  }
  const float* bias = w.has_bias() ? w.bias.data<float>() : nullptr;
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < TM; ++j) {
      float tail = 0.f;
      for (int64_t c = full; c < cols; ++c) tail += L::Scalar(rows[i], c) * xt[j][c];
      F sum = acc[i][j][0];
      for (int q = 1; q < P; ++q) sum = S::Add(sum, acc[i][j][q]);
      a.y[(t0 + j) * w.rows + r + i] = S::ReduceAdd(sum) + tail + (bias ? bias[r + i] : 0.f);
    }
}

template <class S, class L, bool kAffine, int R, int TM>
void FusedBlock(const Args& a, int64_t r, int64_t t0) {
  if constexpr (kAffine) FusedAffineBlock<S, L, R, TM>(a, r, t0);
  else FusedDenseBlock<S, L, R, TM>(a, r, t0);
}

template <class S, class L, bool kAffine, int R>
void FusedRowsAllTokens(const Args& a, int64_t r) {
  constexpr int TM = S::kFusedTokens;
  int64_t t0 = 0;
  for (; t0 + TM <= a.m; t0 += TM) FusedBlock<S, L, kAffine, R, TM>(a, r, t0);
  switch (a.m - t0) {
    case 0: break;
    case 1: FusedBlock<S, L, kAffine, R, 1>(a, r, t0); break;
    case 2: if constexpr (TM > 2) { FusedBlock<S, L, kAffine, R, 2>(a, r, t0); break; } [[fallthrough]];
    default:
      for (; t0 < a.m; ++t0) FusedBlock<S, L, kAffine, R, 1>(a, r, t0);
  }
}

// One row at a time: rows are walked in memory order. Interleaving 2-4 rows (to share the x
// loads) halved the DRAM rate on Zen 4 (bench/kernels: 6.5 vs 13 GB/s per core), apparently
// by defeating the hardware prefetchers.
template <class S, class L, bool kAffine>
void FusedRows(const Args& a, int64_t r0, int64_t r1) {
  const WeightMatrix& w = *a.w;
  const int64_t row_bytes = w.quantized ? w.cols * w.bits / 8 : w.cols * static_cast<int64_t>(DTypeSize(w.dtype));
  const char* base = w.data.data<char>();
  for (int64_t r = r0; r < r1; ++r) {
    PrefetchRowAhead(base, row_bytes, r, r1);
    FusedRowsAllTokens<S, L, kAffine, 1>(a, r);
  }
}

// ---- tile path ---------------------------------------------------------------------------

constexpr int64_t kBlockRows = 16;

// Row r of W as f32 into out[cols], in x's layout (reordered for 4-bit).
template <class S>
void DequantRow(const WeightMatrix& w, int64_t r, float* out, float* params) {
  using F = typename S::F;
  const int64_t cols = w.cols;
  if (w.block_quantized()) return DequantBlockRow(w.block, w.data.data<uint8_t>() + r * w.RowBytes(), cols, out);
  if (!w.quantized) {
    const int64_t full = cols / S::kLanes * S::kLanes;
    if (w.dtype == DType::kF32) {
      const float* p = w.data.data<float>() + r * cols;
      std::copy(p, p + cols, out);
      return;
    }
    const uint16_t* p = w.data.data<uint16_t>() + r * cols;
    const bool bf16 = w.dtype == DType::kBF16;
    for (int64_t c = 0; c < full; c += S::kLanes) S::Store(out + c, bf16 ? S::LoadBf16(p + c) : S::LoadF16(p + c));
    for (int64_t c = full; c < cols; ++c) out[c] = bf16 ? Bf16ToF32(p[c]) : F16ToF32(p[c]);
    return;
  }
  const int64_t G = w.groups_per_row(), gs = w.group_size;
  const float* sc = params;
  const float* bi = sc + G;
  WidenGroupParams<S>(w, r, params, params + G);
  const uint8_t* bytes = w.data.data<uint8_t>() + r * (cols * w.bits / 8);
  for (int64_t g = 0; g < G; ++g) {
    const F s = S::Set1(sc[g]), b = S::Set1(bi[g]);
    for (int64_t c = g * gs; c < (g + 1) * gs;) {
      if (w.bits == 8) {
        S::Store(out + c, S::Fma(S::LoadU8(bytes + c), s, b));
        c += S::kLanes;
      } else if (w.bits == 4) {
        F lo, hi;
        S::LoadU4(bytes + c / 2, &lo, &hi);
        S::Store(out + c, S::Fma(lo, s, b));
        S::Store(out + c + S::kLanes, S::Fma(hi, s, b));
        c += 2 * S::kLanes;
      } else {
        // 2/3/5/6 bit: codes straddle words; unpack 32 with the scalar decoder, scale in SIMD.
        const uint32_t* words = reinterpret_cast<const uint32_t*>(bytes) + c / 32 * w.bits;
        switch (w.bits) {
          case 2: Unpack32<2>(words, out + c); break;
          case 3: Unpack32<3>(words, out + c); break;
          case 5: Unpack32<5>(words, out + c); break;
          case 6: Unpack32<6>(words, out + c); break;
          default: CHECK(false) << "unsupported bits " << w.bits;
        }
        for (int k = 0; k < 32; k += S::kLanes) S::Store(out + c + k, S::Fma(S::Load(out + c + k), s, b));
        c += 32;
      }
    }
  }
}

// y[t0 .. t0+nt, r .. r+R) from R tile rows (`stride` apart) and x transposed (xT[k][mp]):
// vectors run over tokens, so each step broadcasts one weight per row against kLanes tokens
// of x. R accumulators cover R rows x kLanes tokens with no horizontal reductions; every
// tile element is loaded once per token group.
template <class S, int R>
void TileMicro(const float* tile, int64_t stride, int64_t cols, const float* xT, int64_t mp, int64_t t0, int64_t nt,
               int64_t rows, int64_t r, const float* bias, float* y) {
  using F = typename S::F;
  F acc[R];
  for (auto& v : acc) v = S::Zero();
  for (int64_t k = 0; k < cols; ++k) {
    const F xv = S::Load(xT + k * mp + t0);
    for (int i = 0; i < R; ++i) acc[i] = S::Fma(S::Set1(tile[i * stride + k]), xv, acc[i]);
  }
  alignas(64) float out[S::kLanes];
  for (int i = 0; i < R; ++i) {
    S::Store(out, acc[i]);
    const float b = bias ? bias[r + i] : 0.f;
    for (int64_t j = 0; j < nt; ++j) y[(t0 + j) * rows + r + i] = out[j] + b;
  }
}

template <class S>
void TileRows(const Args& a, int64_t r0, int64_t r1) {
  const WeightMatrix& w = *a.w;
  const int64_t cols = w.cols, rows = w.rows;
  // Tile rows are padded by one cache line: with power-of-two cols, rows 4 KiB apart all map
  // to one L1 set and the microkernel's 16 row streams evict each other (measured: 2x slower).
  const int64_t stride = cols + 16;
  thread_local std::vector<float> tile;
  if (tile.size() < static_cast<size_t>(kBlockRows * stride)) tile.resize(kBlockRows * stride);
  const float* bias = w.has_bias() ? w.bias.data<float>() : nullptr;
  constexpr int R = S::kTileRows;
  for (int64_t rb = r0; rb < r1; rb += kBlockRows) {
    const int64_t nr = std::min(kBlockRows, r1 - rb);
    for (int64_t i = 0; i < nr; ++i) DequantRow<S>(w, rb + i, tile.data() + i * stride, a.params);
    for (int64_t t0 = 0; t0 < a.m; t0 += S::kLanes) {
      const int64_t nt = std::min<int64_t>(S::kLanes, a.m - t0);
      int64_t i = 0;
      for (; i + R <= nr; i += R)
        TileMicro<S, R>(tile.data() + i * stride, stride, cols, a.xT, a.mp, t0, nt, rows, rb + i, bias, a.y);
      for (; i < nr; ++i)
        TileMicro<S, 1>(tile.data() + i * stride, stride, cols, a.xT, a.mp, t0, nt, rows, rb + i, bias, a.y);
    }
  }
}

// ---- GGUF block formats, few tokens -------------------------------------------------------

// Q8_0 and Q4_K, fused as the affine path is (FusedAffineBlock): codes are widened in
// registers and multiplied straight into per-block (Q8_0) or per-sub-block (Q4_K) sums that
// the block's scale multiplies once; Q4_K's mins use per-32 sums of x computed once per call:
//   Q8_0: y += d * sum_j q_j x_j
//   Q4_K: y += sum_s (d sc_s * sum_j q_j x_j - dmin m_s * sum_j x_j), s over 8 sub-blocks of 32
// Nothing is written back per block; one horizontal sum per row and token.
template <class S>
void BlockFusedRows(const Args& a, int64_t r0, int64_t r1) {
  using F = typename S::F;
  constexpr int TM = 2 * S::kFusedTokens;
  const WeightMatrix& w = *a.w;
  const int64_t cols = w.cols, nblocks = cols / BlockElems(w.block);
  const size_t row_bytes = w.RowBytes(), block_bytes = static_cast<size_t>(BlockBytes(w.block));
  const bool q4k = w.block == BlockQuant::kQ4_K;
  thread_local std::vector<float> xsum;  // [m, cols / 32]: Q4_K's per-sub-block sums of x
  if (q4k) {
    xsum.resize(static_cast<size_t>(a.m * (cols / 32)));
    for (int64_t t = 0; t < a.m; ++t)
      for (int64_t g = 0; g < cols / 32; ++g) {
        float sum = 0.f;
        for (int64_t k = 0; k < 32; ++k) sum += a.x[t * cols + g * 32 + k];
        xsum[t * (cols / 32) + g] = sum;
      }
  }
  const float* bias = w.has_bias() ? w.bias.data<float>() : nullptr;
  const char* base = w.data.data<char>();
  for (int64_t r = r0; r < r1; ++r) {
    PrefetchRowAhead(base, static_cast<int64_t>(row_bytes), r, r1);
    const uint8_t* rp = w.data.data<uint8_t>() + r * row_bytes;
    F acc[TM];
    float mins[TM] = {};
    for (auto& v : acc) v = S::Zero();
    for (int64_t blk = 0; blk < nblocks; ++blk) {
      const uint8_t* b = rp + blk * block_bytes;
      if (!q4k) {
        const float d = blockdec::Half(b);
        const int8_t* qs = reinterpret_cast<const int8_t*>(b + 2);
        F q[32 / S::kLanes];
        for (int k = 0; k < 32 / S::kLanes; ++k) q[k] = S::LoadI8(qs + k * S::kLanes);
        for (int64_t t = 0; t < a.m; ++t) {
          const float* x = a.x + t * cols + blk * 32;
          F g = S::Mul(q[0], S::Load(x));
          for (int k = 1; k < 32 / S::kLanes; ++k) g = S::Fma(q[k], S::Load(x + k * S::kLanes), g);
          acc[t] = S::Fma(S::Set1(d), g, acc[t]);
        }
        continue;
      }
      const float d = blockdec::Half(b), dmin = blockdec::Half(b + 2);
      const uint8_t* qs = b + 16;
      for (int c = 0; c < 4; ++c) {
        uint8_t s0, m0, s1, m1;
        KQuantScaleMin(2 * c, b + 4, &s0, &m0);
        KQuantScaleMin(2 * c + 1, b + 4, &s1, &m1);
        const F d0 = S::Set1(d * s0), d1 = S::Set1(d * s1);
        F lo[32 / S::kLanes], hi[32 / S::kLanes];
        for (int k = 0; k < 32 / S::kLanes; ++k) S::LoadU4(qs + 32 * c + k * S::kLanes, &lo[k], &hi[k]);
        for (int64_t t = 0; t < a.m; ++t) {
          const float* x = a.x + t * cols + blk * 256 + 64 * c;
          F g0 = S::Mul(lo[0], S::Load(x)), g1 = S::Mul(hi[0], S::Load(x + 32));
          for (int k = 1; k < 32 / S::kLanes; ++k) {
            g0 = S::Fma(lo[k], S::Load(x + k * S::kLanes), g0);
            g1 = S::Fma(hi[k], S::Load(x + 32 + k * S::kLanes), g1);
          }
          acc[t] = S::Fma(d1, g1, S::Fma(d0, g0, acc[t]));
          const float* xs = xsum.data() + t * (cols / 32) + blk * 8 + 2 * c;
          mins[t] += dmin * m0 * xs[0] + dmin * m1 * xs[1];
        }
      }
    }
    for (int64_t t = 0; t < a.m; ++t)
      a.y[t * w.rows + r] = S::ReduceAdd(acc[t]) - mins[t] + (bias ? bias[r] : 0.f);
  }
}

// Rows [r0, r1) of a block-quantized W (util/block_quant.h) for m <= FusedMaxTokens tokens.
// Q8_0 and Q4_K take BlockFusedRows; Q5_0 and Q6_K (block_decode_impl.h) decode one
// block at a time into an L1 buffer and FMA it against every token's x, with no horizontal
// sum until the row ends; the others decode the row with the bit-exact scalar decoder first.
// Weight bytes are read once either way.
template <class S>
void BlockRows(const Args& a, int64_t r0, int64_t r1) {
  using F = typename S::F;
  if ((a.w->block == BlockQuant::kQ8_0 || a.w->block == BlockQuant::kQ4_K) && 32 % S::kLanes == 0)
    return BlockFusedRows<S>(a, r0, r1);
  constexpr int TM = 2 * S::kFusedTokens;  // FusedMaxTokens: m never exceeds it here
  const WeightMatrix& w = *a.w;
  const int64_t cols = w.cols, elems = BlockElems(w.block), nblocks = cols / elems;
  const size_t row_bytes = w.RowBytes(), block_bytes = static_cast<size_t>(BlockBytes(w.block));
  const bool vectorized = blockdec::HasDecoder(w.block) && elems % (2 * S::kLanes) == 0;
  thread_local std::vector<float> row;
  if (!vectorized && row.size() < static_cast<size_t>(cols)) row.resize(cols);
  alignas(64) float buf[256];
  const float* bias = w.has_bias() ? w.bias.data<float>() : nullptr;
  const char* base = w.data.data<char>();
  for (int64_t r = r0; r < r1; ++r) {
    PrefetchRowAhead(base, static_cast<int64_t>(row_bytes), r, r1);
    const uint8_t* rp = w.data.data<uint8_t>() + r * row_bytes;
    F acc[TM][2];
    for (auto& t : acc) t[0] = S::Zero(), t[1] = S::Zero();
    float tail[TM] = {};
    if (vectorized) {
      for (int64_t blk = 0; blk < nblocks; ++blk) {
        blockdec::Decode(w.block, rp + blk * block_bytes, buf);
        for (int64_t t = 0; t < a.m; ++t) {
          const float* x = a.x + t * cols + blk * elems;
          for (int64_t c = 0; c < elems; c += 2 * S::kLanes) {
            acc[t][0] = S::Fma(S::Load(buf + c), S::Load(x + c), acc[t][0]);
            acc[t][1] = S::Fma(S::Load(buf + c + S::kLanes), S::Load(x + c + S::kLanes), acc[t][1]);
          }
        }
      }
    } else {
      DequantBlockRow(w.block, rp, cols, row.data());
      const int64_t full = cols / (2 * S::kLanes) * (2 * S::kLanes);
      for (int64_t t = 0; t < a.m; ++t) {
        const float* x = a.x + t * cols;
        int64_t c = 0;
        for (; c < full; c += 2 * S::kLanes) {
          acc[t][0] = S::Fma(S::Load(row.data() + c), S::Load(x + c), acc[t][0]);
          acc[t][1] = S::Fma(S::Load(row.data() + c + S::kLanes), S::Load(x + c + S::kLanes), acc[t][1]);
        }
        for (; c < cols; ++c) tail[t] += row[c] * x[c];
      }
    }
    for (int64_t t = 0; t < a.m; ++t)
      a.y[t * w.rows + r] = S::ReduceAdd(S::Add(acc[t][0], acc[t][1])) + tail[t] + (bias ? bias[r] : 0.f);
  }
}

// ---- entry ---------------------------------------------------------------------------------

// Largest m that takes the fused path: beyond it, re-widening the codes for every token tile
// costs more than dequantizing once into the tile.
template <class S>
constexpr int64_t FusedMaxTokens() { return 2 * S::kFusedTokens; }

template <class S>
bool UsesTile(const WeightMatrix& w, int64_t m) {
  return m > FusedMaxTokens<S>() || (w.quantized && w.bits != 4 && w.bits != 8);
}

// Per-group sums of x, and x reordered for 4-bit codes (see the top of this file).
template <class S>
void PrepareAffine(const WeightMatrix& w, int64_t m, std::vector<float>& xperm, std::vector<float>& xgsum, Args* a) {
  const float* x = a->x;
  const int64_t cols = w.cols, G = w.groups_per_row(), gs = w.group_size;
  xgsum.resize(static_cast<size_t>(m * G));
  for (int64_t t = 0; t < m; ++t)
    for (int64_t g = 0; g < G; ++g) {
      float s = 0.f;
      for (int64_t k = 0; k < gs; ++k) s += x[t * cols + g * gs + k];
      xgsum[t * G + g] = s;
    }
  a->xgsum = xgsum.data();
  if (w.bits == 4) {
    constexpr int64_t kB = 2 * S::kLanes;
    xperm.resize(static_cast<size_t>(m * cols));
    for (int64_t t = 0; t < m; ++t)
      for (int64_t b = 0; b < cols; b += kB)
        for (int64_t k = 0; k < S::kLanes; ++k) {
          xperm[t * cols + b + k] = x[t * cols + b + 2 * k];
          xperm[t * cols + b + S::kLanes + k] = x[t * cols + b + 2 * k + 1];
        }
    a->x = xperm.data();
  }
}

// Prepares the per-call inputs of one weight matrix in scratch owned by the calling thread
// and reused across calls (steady-state decode allocates nothing): affine extras, and x
// transposed for the tile path.
template <class S>
Args Prepare(const WeightMatrix& w, const float* x, int64_t m, float* y, std::vector<float>& xperm,
             std::vector<float>& xgsum, std::vector<float>& xT, VnniX& vx, Int8X& x8, GgufQ8X& xg8) {
  const int64_t cols = w.cols;
  Args a{.w = &w, .x = x, .xgsum = nullptr, .m = m, .y = y, .params = nullptr, .xT = nullptr, .mp = 0,
         .vx = nullptr, .x8 = nullptr, .xg8 = nullptr};
  if constexpr (S::kGgufInt8) {
    // Every m (decode and prefill alike): batch invariance (matmul_gguf_int8_impl.h).
    if (GgufInt8Format(w.block) && GgufInt8Activations()) {
      QuantizeGgufQ8X<S>(x, m, cols, &xg8);
      a.xg8 = &xg8;
      return a;
    }
  }
  if constexpr (S::kInt8) {
    if (Int8Eligible<S>(w)) {
      QuantizeX8<S>(x, m, cols, w.group_size, w.bits, &x8);
      a.x8 = &x8;
      return a;
    }
  }
  if constexpr (S::kVnni) {
    if (w.quantized && UsesTile<S>(w, m)) {
      a.mp = (m + 15) / 16 * 16;
      QuantizeX16<S>(x, m, a.mp, cols, w.group_size, &vx);
      a.vx = &vx;
      return a;
    }
  }
  if (w.quantized) PrepareAffine<S>(w, m, xperm, xgsum, &a);
  if (UsesTile<S>(w, m)) {
    a.mp = (m + S::kLanes - 1) / S::kLanes * S::kLanes;
    xT.assign(static_cast<size_t>(cols * a.mp), 0.f);
    for (int64_t t = 0; t < m; ++t)
      for (int64_t k = 0; k < cols; ++k) xT[k * a.mp + t] = a.x[t * cols + k];
    a.xT = xT.data();
  }
  return a;
}

// Output rows [r0, r1) of one matrix.
template <class S>
void Rows(const Args& shared, int64_t r0, int64_t r1) {
  thread_local std::vector<float> params;
  Args a = shared;
  if (shared.w->quantized) {
    params.resize(static_cast<size_t>(12 * shared.w->groups_per_row()));  // the most any path needs (Int8Rows)
    a.params = params.data();
  }
  const WeightMatrix& w = *a.w;
  if constexpr (S::kGgufInt8) {
    if (a.xg8) return GgufInt8Rows<S>(w, *a.xg8, a.m, a.y, r0, r1);
  }
  if constexpr (S::kInt8) {
    if (a.x8) {
      if (w.bits == 8) return Int8Rows<S, 8>(w, *a.x8, a.m, a.y, r0, r1, a.params);
      return Int8Rows<S, 4>(w, *a.x8, a.m, a.y, r0, r1, a.params);
    }
  }
  if constexpr (S::kVnni) {
    if (a.vx) return VnniTileRows<S>(w, *a.vx, a.m, a.mp, a.y, r0, r1);
  }
  if (UsesTile<S>(w, a.m)) return TileRows<S>(a, r0, r1);
  if (w.block_quantized()) return BlockRows<S>(a, r0, r1);
  if (w.quantized) {
    if (w.bits == 8) return FusedRows<S, AffineU8<S>, true>(a, r0, r1);
    return FusedRows<S, AffineU4<S>, true>(a, r0, r1);
  }
  switch (w.dtype) {
    case DType::kF32: return FusedRows<S, DenseF32<S>, false>(a, r0, r1);
    case DType::kBF16: return FusedRows<S, DenseBf16<S>, false>(a, r0, r1);
    case DType::kF16: return FusedRows<S, DenseF16<S>, false>(a, r0, r1);
    default: CHECK(false) << "unsupported dense dtype " << DTypeName(w.dtype);
  }
}

// Whether Prepare makes the same inputs for both matrices (given the same x and m): it reads
// only these fields of W.
inline bool SamePrepare(const WeightMatrix& a, const WeightMatrix& b) {
  return a.cols == b.cols && a.quantized == b.quantized && a.bits == b.bits && a.group_size == b.group_size &&
         a.dtype == b.dtype && a.block == b.block;
}

// Several matrices in one parallel pass, each over its own x and token count (the experts of
// a MoE layer; q/k/v and gate/up share one x): one wake-up of the pool instead of one per
// matrix. The split runs over rows weighted by each job's token count, so an expert with 40
// tokens gets 40x the rows' share of one with 1; each thread takes contiguous rows, so every
// weight byte is read by one thread once.
template <class S>
void MatMulGrouped(const GroupedMatMulJob* jobs, int n, ThreadPool& pool) {
  thread_local std::vector<std::vector<float>> xperm, xgsum, xT;
  thread_local std::vector<VnniX> vx;
  thread_local std::vector<Int8X> x8;
  thread_local std::vector<GgufQ8X> xg8;
  thread_local std::vector<Args> args;
  thread_local std::vector<int64_t> work_start;
  if (static_cast<int>(xperm.size()) < n) xperm.resize(n), xgsum.resize(n), xT.resize(n), vx.resize(n), x8.resize(n), xg8.resize(n);
  args.clear();
  work_start.assign(1, 0);
  int64_t max_cols = 1;
  for (int i = 0; i < n; ++i) {
    const GroupedMatMulJob& j = jobs[i];
    const int64_t m = std::max<int64_t>(j.m, 0);
    if (m == 0) {
      args.push_back(Args{.w = j.w, .m = 0});  // nothing to compute (e.g. a step where no row samples)
    } else if (i > 0 && args[i - 1].m == m && jobs[i - 1].x == j.x && SamePrepare(*jobs[i - 1].w, *j.w)) {
      // Same x and a weight layout Prepare treats alike (q|k|v, an expert's gate|up): share
      // the prepared x (reordered / transposed / quantized) instead of making it again.
      Args a = args[i - 1];
      a.w = j.w;
      a.y = j.y;
      args.push_back(a);
    } else {
      args.push_back(Prepare<S>(*j.w, j.x, m, j.y, xperm[i], xgsum[i], xT[i], vx[i], x8[i], xg8[i]));
    }
    work_start.push_back(work_start.back() + j.w->rows * m);
    max_cols = std::max(max_cols, j.w->cols);
  }
  if (work_start[n] == 0) return;
  // Enough work per chunk (in row-tokens, each `cols` multiply-adds) that waking a worker pays off.
  const size_t grain = static_cast<size_t>(std::max<int64_t>(kBlockRows, 32768 / max_cols));
  // Workers must see this thread's scratch, not their own thread_local instances.
  const Args* job_args = args.data();
  const int64_t* starts = work_start.data();
  pool.ParallelFor(static_cast<size_t>(starts[n]), grain, [&](size_t b, size_t e) {
    for (int i = 0; i < n; ++i) {
      const int64_t m = job_args[i].m;
      if (m == 0) continue;
      // Work units [starts[i], starts[i+1]) are row-major (row, token): rows whose first unit
      // falls in [b, e) belong to this chunk.
      const int64_t lo = std::max<int64_t>(static_cast<int64_t>(b), starts[i]) - starts[i];
      const int64_t hi = std::min<int64_t>(static_cast<int64_t>(e), starts[i + 1]) - starts[i];
      if (lo >= hi) continue;
      const int64_t r0 = (lo + m - 1) / m, r1 = (hi + m - 1) / m;
      if (r0 < r1) Rows<S>(job_args[i], r0, r1);
    }
  });
}

}  // namespace vllm::cpu::simd
