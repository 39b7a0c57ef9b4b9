// SIMD paged attention over a vector-traits type S (simd_avx512.h, simd_avx2.h, simd_neon.h),
// instantiated by attention_<target>.cc. A work item is (token, range of positions), all heads:
// the K and V rows are read once for all the query heads that share them (GQA). Positions go in
// cache-block chunks: scores for the chunk, one online-softmax rescale per chunk (not per key),
// then the V accumulation; the ranges' states are combined at the end.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "kernels/cpu/cpu_ops.h"
#include "util/check.h"

namespace vllm::cpu::simd {

template <class S>
struct KvF32 {
  static typename S::F Load(const void* base, int64_t i) { return S::Load(static_cast<const float*>(base) + i); }
};
template <class S>
struct KvBf16 {
  static typename S::F Load(const void* base, int64_t i) { return S::LoadBf16(static_cast<const uint16_t*>(base) + i); }
};
template <class S>
struct KvF16 {
  static typename S::F Load(const void* base, int64_t i) { return S::LoadF16(static_cast<const uint16_t*>(base) + i); }
};

// Most vectors a head may span (head_dim / kLanes); 512 / 8.
constexpr int kMaxHeadVecs = 64;

// Token t, every head, over the positions [p_begin, p_end) (p_begin a multiple of the block
// size), of which those below p_min (a sliding window's start; p_min < p_begin + block size
// when p_min > p_begin) get no weight: leaves the unnormalised online-softmax state in acc [H, D], m [H] (running max; -inf
// when the range is empty) and l [H] (sum of exp). K and V rows are read once for all the query
// heads that share them (GQA), and all KV heads are taken together so each position's rows
// ([num_kv_heads, head_dim], contiguous in the slot) stream sequentially.
template <class S, class KV>
void AttendRange(const float* q, KvLayer cache, const BatchView& in, const AttentionShape& s, int64_t t,
                 int64_t p_begin, int64_t p_end, int64_t p_min, float* acc, float* m, float* l,
                 std::vector<float>& scratch) {
  using F = typename S::F;
  const int64_t H = s.num_heads, D = s.head_dim, bs = s.block_size;
  const int64_t group = H / s.num_kv_heads, nv = D / S::kLanes;
  const int64_t nq = H, KVH = s.num_kv_heads;
  const int64_t kv_stride = s.num_kv_heads * D;
  const size_t elem = cache.dtype == DType::kF32 ? 4 : 2;
  const int32_t seq = in.token_seq[t];
  const int32_t* table = in.block_table(seq);
  scratch.resize(static_cast<size_t>(nq * bs));  // scores [nq, bs]
  float* score = scratch.data();
  std::fill(acc, acc + nq * D, 0.f);
  std::fill(m, m + nq, -std::numeric_limits<float>::infinity());
  std::fill(l, l + nq, 0.f);
  const float* qg = q + t * H * D;
  const auto* kbase = static_cast<const uint8_t*>(cache.k);
  const auto* vbase = static_cast<const uint8_t*>(cache.v);
  for (int64_t p0 = p_begin; p0 < p_end; p0 += bs) {
    const int64_t n = std::min(bs, p_end - p0);
    const int64_t block = table[p0 / bs];
    auto row = [&](const uint8_t* base, int64_t j, int64_t kvh) {
      return base + ((block * bs + j) * kv_stride + kvh * D) * elem;
    };
    for (int64_t j = 0; j < n; ++j)
      for (int64_t kvh = 0; kvh < KVH; ++kvh) {
        F kv[kMaxHeadVecs];
        const uint8_t* kr = row(kbase, j, kvh);
        for (int64_t d = 0; d < nv; ++d) kv[d] = KV::Load(kr, d * S::kLanes);
        for (int64_t g = 0; g < group; ++g) {
          const int64_t h = kvh * group + g;
          F dot = S::Zero();
          for (int64_t d = 0; d < nv; ++d) dot = S::Fma(S::Load(qg + h * D + d * S::kLanes), kv[d], dot);
          score[h * bs + j] = S::ReduceAdd(dot) * s.scale;
        }
      }
    // Positions before the window's start (only in its first block): excluded from the max
    // here and zeroed after the exponentials.
    const int64_t num_masked = std::clamp<int64_t>(p_min - p0, 0, n);
    for (int64_t h = 0; h < nq; ++h)
      for (int64_t j = 0; j < num_masked; ++j) score[h * bs + j] = -std::numeric_limits<float>::infinity();
    for (int64_t h = 0; h < nq; ++h) {
      float* sh = score + h * bs;
      const float new_m = std::max(m[h], *std::max_element(sh, sh + n));
      const float corr = std::exp(m[h] - new_m);  // 0 on the first block (m = -inf)
      m[h] = new_m;
      float sum = 0.f;
      int64_t j = 0;
      const F mv = S::Set1(new_m);
      for (; j + S::kLanes <= n; j += S::kLanes) {
        const F e = S::Exp(S::Sub(S::Load(sh + j), mv));
        S::Store(sh + j, e);
        sum += S::ReduceAdd(e);
      }
      for (; j < n; ++j) sum += (sh[j] = std::exp(sh[j] - new_m));
      for (j = 0; j < num_masked; ++j) sum -= sh[j], sh[j] = 0.f;  // S::Exp clamps, so exp(-inf) > 0
      l[h] = l[h] * corr + sum;
      if (corr != 1.f) {
        const F cv = S::Set1(corr);
        for (int64_t d = 0; d < nv; ++d) S::Store(acc + h * D + d * S::kLanes, S::Mul(S::Load(acc + h * D + d * S::kLanes), cv));
      }
    }
    for (int64_t j = 0; j < n; ++j)
      for (int64_t kvh = 0; kvh < KVH; ++kvh) {
        F vv[kMaxHeadVecs];
        const uint8_t* vr = row(vbase, j, kvh);
        for (int64_t d = 0; d < nv; ++d) vv[d] = KV::Load(vr, d * S::kLanes);
        for (int64_t g = 0; g < group; ++g) {
          const int64_t h = kvh * group + g;
          const F w = S::Set1(score[h * bs + j]);
          float* ah = acc + h * D;
          for (int64_t d = 0; d < nv; ++d) S::Store(ah + d * S::kLanes, S::Fma(w, vv[d], S::Load(ah + d * S::kLanes)));
        }
      }
  }
}

// out [nq, D] from the states of `parts` ranges of the same heads (part i at acc + i*stride_acc,
// m/l + i*stride_ml): the softmax over the union of the ranges.
template <class S>
void CombineRanges(int64_t parts, int64_t nq, int64_t D, const float* acc, int64_t stride_acc, const float* m,
                   const float* l, int64_t stride_ml, float* out) {
  using F = typename S::F;
  const int64_t nv = D / S::kLanes;
  for (int64_t h = 0; h < nq; ++h) {
    float mx = -std::numeric_limits<float>::infinity();
    for (int64_t i = 0; i < parts; ++i) mx = std::max(mx, m[i * stride_ml + h]);
    float total = 0.f;
    F o[kMaxHeadVecs];
    for (int64_t d = 0; d < nv; ++d) o[d] = S::Zero();
    for (int64_t i = 0; i < parts; ++i) {
      const float mi = m[i * stride_ml + h];
      if (mi == -std::numeric_limits<float>::infinity()) continue;  // empty range
      const float w = std::exp(mi - mx);
      total += w * l[i * stride_ml + h];
      const F wv = S::Set1(w);
      const float* ai = acc + i * stride_acc + h * D;
      for (int64_t d = 0; d < nv; ++d) o[d] = S::Fma(wv, S::Load(ai + d * S::kLanes), o[d]);
    }
    const F inv = S::Set1(1.f / total);
    for (int64_t d = 0; d < nv; ++d) S::Store(out + h * D + d * S::kLanes, S::Mul(o[d], inv));
  }
}

// False when the shape needs the scalar kernel (head_dim not a multiple of the vector width,
// or wider than kMaxHeadVecs vectors).
//
// Work items: with enough tokens to keep every thread busy (prefill), one per token, all heads,
// all positions. With fewer (decode), each token's positions are split into block-aligned
// ranges, all KV heads per range (flash-decoding): every item then streams whole cache blocks,
// contiguous in memory, and the per-range softmax states are combined at the end. Splitting
// the heads instead left each thread reading a few heads' 256-byte slices out of every
// position's row, which the hardware prefetchers follow poorly (4.5 GB/s at 8K context).
template <class S>
bool PagedAttention(const float* q, KvLayer cache, const BatchView& in, const AttentionShape& s, float* out,
                    ThreadPool& pool) {
  if (s.head_dim % S::kLanes != 0 || s.head_dim / S::kLanes > kMaxHeadVecs) return false;
  const int64_t T = in.num_tokens, H = s.num_heads, D = s.head_dim, bs = s.block_size;
  const int64_t want_items = 2 * static_cast<int64_t>(pool.num_threads());
  const int64_t parts = std::max<int64_t>(1, (want_items + T - 1) / T);  // position ranges per token
  // Per-item softmax states: acc [H, D], m [H], l [H] for every (token, range).
  thread_local std::vector<float> states;
  const int64_t state_size = H * (D + 2);
  if (parts > 1) states.resize(static_cast<size_t>(T * parts * state_size));
  float* st = states.data();
  pool.ParallelFor(static_cast<size_t>(T * parts), 1, [&](size_t b, size_t e) {
    thread_local std::vector<float> scratch, own;
    for (size_t it = b; it < e; ++it) {
      const int64_t t = static_cast<int64_t>(it) / parts, part = static_cast<int64_t>(it) % parts;
      const int64_t len = in.positions[t] + 1;
      // The window (all of [0, len) without one), then block-aligned ranges of about its
      // length / parts positions from the block holding its first position.
      const int64_t p_min = s.sliding_window > 0 ? std::max<int64_t>(0, len - s.sliding_window) : 0;
      const int64_t start = p_min / bs * bs;
      const int64_t blocks = (len - start + bs - 1) / bs, per = (blocks + parts - 1) / parts;
      const int64_t p_begin = std::min(len, start + part * per * bs);
      const int64_t p_end = std::min(len, start + (part + 1) * per * bs);
      float *acc, *m, *l;
      if (parts > 1) {
        acc = st + static_cast<int64_t>(it) * state_size;
      } else {
        own.resize(static_cast<size_t>(state_size));
        acc = own.data();
      }
      m = acc + H * D;
      l = m + H;
      switch (cache.dtype) {
        case DType::kF32: AttendRange<S, KvF32<S>>(q, cache, in, s, t, p_begin, p_end, p_min, acc, m, l, scratch); break;
        case DType::kBF16: AttendRange<S, KvBf16<S>>(q, cache, in, s, t, p_begin, p_end, p_min, acc, m, l, scratch); break;
        case DType::kF16: AttendRange<S, KvF16<S>>(q, cache, in, s, t, p_begin, p_end, p_min, acc, m, l, scratch); break;
        default: CHECK(false) << "unsupported KV dtype";
      }
      if (parts == 1) CombineRanges<S>(1, H, D, acc, 0, m, l, 0, out + t * H * D);
    }
  });
  if (parts > 1)
    for (int64_t t = 0; t < T; ++t) {
      const float* base = st + t * parts * state_size;
      CombineRanges<S>(parts, H, D, base, state_size, base + H * D, base + H * D + H, state_size, out + t * H * D);
    }
  return true;
}

}  // namespace vllm::cpu::simd
