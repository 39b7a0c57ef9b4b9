// SIMD paged attention over a vector-traits type S (simd_avx512.h, simd_avx2.h), instantiated
// by attention_avx512.cc / attention_avx2.cc. A work item is (token, range of KV heads): the K
// and V rows are read once for all the query heads that share them (GQA), instead of once per
// query head. Positions go in cache-block chunks: scores for the chunk, one online-softmax
// rescale per chunk (not per key), then the V accumulation.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "kernels/ops.h"
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

// Token t against KV heads [h0, h1). Heads are taken together so each position's K and V
// rows ([num_kv_heads, head_dim], contiguous in the slot) stream sequentially: one head at a
// time read 256 bytes every 2 KiB and ran at ~1.7 GB/s from DRAM at 8K context.
template <class S, class KV>
void AttendItem(const float* q, KvLayer cache, const BatchInputs& in, const AttentionShape& s, float* out,
                int64_t t, int64_t h0, int64_t h1, std::vector<float>& scratch) {
  using F = typename S::F;
  const int64_t H = s.num_heads, D = s.head_dim, bs = s.block_size;
  const int64_t group = H / s.num_kv_heads, nv = D / S::kLanes;
  const int64_t nq = (h1 - h0) * group;  // query heads handled here
  const int64_t kv_stride = s.num_kv_heads * D;
  const size_t elem = cache.dtype == DType::kF32 ? 4 : 2;
  const int32_t seq = static_cast<int32_t>(
      std::upper_bound(in.query_start.begin(), in.query_start.end(), static_cast<int32_t>(t)) -
      in.query_start.begin() - 1);
  const int32_t* table = in.block_table(seq);
  const int64_t last = in.positions[t];
  // scratch: acc [nq, D], scores [nq, bs], running max and sum [nq] each.
  scratch.resize(static_cast<size_t>(nq * (D + bs + 2)));
  float* acc = scratch.data();
  float* score = acc + nq * D;
  float* m = score + nq * bs;
  float* l = m + nq;
  std::fill(acc, acc + nq * D, 0.f);
  std::fill(m, m + nq, -std::numeric_limits<float>::infinity());
  std::fill(l, l + nq, 0.f);
  const float* qg = q + (t * H + h0 * group) * D;  // the nq query heads, contiguous
  const auto* kbase = static_cast<const uint8_t*>(cache.k);
  const auto* vbase = static_cast<const uint8_t*>(cache.v);
  for (int64_t p0 = 0; p0 <= last; p0 += bs) {
    const int64_t n = std::min(bs, last + 1 - p0);
    const int64_t block = table[p0 / bs];
    auto row = [&](const uint8_t* base, int64_t j, int64_t kvh) {
      return base + ((block * bs + j) * kv_stride + kvh * D) * elem;
    };
    for (int64_t j = 0; j < n; ++j)
      for (int64_t kvh = h0; kvh < h1; ++kvh) {
        F kv[kMaxHeadVecs];
        const uint8_t* kr = row(kbase, j, kvh);
        for (int64_t d = 0; d < nv; ++d) kv[d] = KV::Load(kr, d * S::kLanes);
        for (int64_t g = 0; g < group; ++g) {
          const int64_t h = (kvh - h0) * group + g;
          F dot = S::Zero();
          for (int64_t d = 0; d < nv; ++d) dot = S::Fma(S::Load(qg + h * D + d * S::kLanes), kv[d], dot);
          score[h * bs + j] = S::ReduceAdd(dot) * s.scale;
        }
      }
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
      l[h] = l[h] * corr + sum;
      if (corr != 1.f) {
        const F cv = S::Set1(corr);
        for (int64_t d = 0; d < nv; ++d) S::Store(acc + h * D + d * S::kLanes, S::Mul(S::Load(acc + h * D + d * S::kLanes), cv));
      }
    }
    for (int64_t j = 0; j < n; ++j)
      for (int64_t kvh = h0; kvh < h1; ++kvh) {
        F vv[kMaxHeadVecs];
        const uint8_t* vr = row(vbase, j, kvh);
        for (int64_t d = 0; d < nv; ++d) vv[d] = KV::Load(vr, d * S::kLanes);
        for (int64_t g = 0; g < group; ++g) {
          const int64_t h = (kvh - h0) * group + g;
          const F w = S::Set1(score[h * bs + j]);
          float* ah = acc + h * D;
          for (int64_t d = 0; d < nv; ++d) S::Store(ah + d * S::kLanes, S::Fma(w, vv[d], S::Load(ah + d * S::kLanes)));
        }
      }
  }
  for (int64_t h = 0; h < nq; ++h) {
    const F inv = S::Set1(1.f / l[h]);
    float* oh = out + (t * H + h0 * group + h) * D;
    for (int64_t d = 0; d < nv; ++d) S::Store(oh + d * S::kLanes, S::Mul(S::Load(acc + h * D + d * S::kLanes), inv));
  }
}

// False when the shape needs the scalar kernel (head_dim not a multiple of the vector width,
// or wider than kMaxHeadVecs vectors).
template <class S>
bool PagedAttention(const float* q, KvLayer cache, const BatchInputs& in, const AttentionShape& s, float* out,
                    ThreadPool& pool) {
  if (s.head_dim % S::kLanes != 0 || s.head_dim / S::kLanes > kMaxHeadVecs) return false;
  const int64_t T = in.num_tokens(), KVH = s.num_kv_heads;
  // KV heads per work item: all of them when there are enough tokens to keep every thread
  // busy (prefill), else split so that ~2 items per thread exist (decode).
  const int64_t want_items = 2 * static_cast<int64_t>(pool.num_threads());
  const int64_t per_token = std::clamp<int64_t>((want_items + T - 1) / T, 1, KVH);
  const int64_t heads_per_item = (KVH + per_token - 1) / per_token;
  const int64_t chunks = (KVH + heads_per_item - 1) / heads_per_item;
  pool.ParallelFor(static_cast<size_t>(T * chunks), 1, [&](size_t b, size_t e) {
    thread_local std::vector<float> scratch;
    for (size_t it = b; it < e; ++it) {
      const int64_t t = static_cast<int64_t>(it) / chunks, c = static_cast<int64_t>(it) % chunks;
      const int64_t h0 = c * heads_per_item, h1 = std::min(KVH, h0 + heads_per_item);
      switch (cache.dtype) {
        case DType::kF32: AttendItem<S, KvF32<S>>(q, cache, in, s, out, t, h0, h1, scratch); break;
        case DType::kBF16: AttendItem<S, KvBf16<S>>(q, cache, in, s, out, t, h0, h1, scratch); break;
        case DType::kF16: AttendItem<S, KvF16<S>>(q, cache, in, s, out, t, h0, h1, scratch); break;
        default: CHECK(false) << "unsupported KV dtype";
      }
    }
  });
  return true;
}

}  // namespace vllm::cpu::simd
