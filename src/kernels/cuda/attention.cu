// Paged causal GQA attention for decode, prefill and mixed batches (ops.h semantics).
//
// Split-context ("flash decoding") with a split count that depends only on the query token's
// own context length, decided on the device (no host plan, graph-safe, batch-invariant):
//   len = positions[t] + 1, splits = min(kMaxSplits, ceil(len / kMinChunk)),
//   chunk = ceil(len / splits) rounded up to kTile; split i covers [i*chunk, (i+1)*chunk).
// Pass 1, grid (token, kv head, split): one CTA holds the GQA group's q heads, so every K/V
//   row is read once for the whole group; 32-position tiles of K and V are gathered through
//   the block table into shared memory (f32), scores for (head, position) pairs, an online
//   softmax per tile, and the unnormalised state (acc [G, D], max, sum) to scratch.
// Pass 2, grid (token, head): the splits' states merged in split order, out = acc / sum.
// Every token is its own query (prefill tokens too): simple and exact, but a long prompt
// re-reads its context once per token (from L2); the FA2-style tiled prefill is future work.
#include <cmath>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/device_math.cuh"
#include "util/check.h"

namespace vllm::cuda {
namespace {

constexpr int kMaxSplits = 16;
constexpr int kMinChunk = 256;
constexpr int kTile = 32;  // positions per shared-memory tile (= warp size: one lane each)
constexpr int kThreads = 128;
constexpr int kMaxGroup = 8;

struct SplitPlan {
  int chunk, splits;
};

__device__ __forceinline__ SplitPlan PlanFor(int len) {
  int splits = (len + kMinChunk - 1) / kMinChunk;
  splits = splits < 1 ? 1 : (splits > kMaxSplits ? kMaxSplits : splits);
  int chunk = (len + splits - 1) / splits;
  chunk = (chunk + kTile - 1) / kTile * kTile;
  return {chunk, (len + chunk - 1) / chunk};
}

struct AttnArgs {
  const float* q;
  const void* k_cache;
  const void* v_cache;
  const int32_t* positions;
  const int32_t* token_seq;
  const int32_t* block_tables;
  int block_table_stride;
  int num_heads, num_kv_heads, block_size;
  float scale;
  float* part_acc;  // [T, H, kMaxSplits, D]
  float* part_ml;   // [T, H, kMaxSplits, 2] (max, sum)
};

template <class E, int D>
__global__ void __launch_bounds__(kThreads) AttnSplitKernel(AttnArgs a) {
  constexpr int kEpv = 16 / static_cast<int>(sizeof(typename E::T));  // elements per 16-byte load
  constexpr int kOut = kMaxGroup * D / kThreads;                       // outputs per thread, at most
  __shared__ float qs[kMaxGroup][D];
  __shared__ float ks[kTile][D + 1];  // +1: score lanes read different rows without bank conflicts
  __shared__ float vs[kTile][D];
  __shared__ float ps[kMaxGroup][kTile];
  __shared__ float corr_s[kMaxGroup];
  const int t = blockIdx.x, kvh = blockIdx.y, sp = blockIdx.z;
  const int pos = a.positions[t];
  if (pos < 0) return;  // padding: pass 2 writes zeros
  const int len = pos + 1;
  const SplitPlan plan = PlanFor(len);
  if (sp >= plan.splits) return;
  const int p_begin = sp * plan.chunk, p_end = min(len, p_begin + plan.chunk);
  const int G = a.num_heads / a.num_kv_heads, h0 = kvh * G, H = a.num_heads, KVH = a.num_kv_heads;
  const int* table = a.block_tables + static_cast<int64_t>(a.token_seq[t]) * a.block_table_stride;
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const auto* kc = static_cast<const typename E::T*>(a.k_cache);
  const auto* vc = static_cast<const typename E::T*>(a.v_cache);

  for (int i = tid; i < G * D; i += kThreads) qs[i / D][i % D] = a.q[(static_cast<int64_t>(t) * H + h0) * D + i];
  float acc[kOut];
#pragma unroll
  for (int i = 0; i < kOut; ++i) acc[i] = 0.f;
  // Online-softmax state of heads warp and warp + 4, kept (identically) by every lane of the
  // warp that scores them: running max and sum of exp.
  float m_run[2] = {-INFINITY, -INFINITY}, l_run[2] = {0.f, 0.f};

  for (int p0 = p_begin; p0 < p_end; p0 += kTile) {
    const int n = min(kTile, p_end - p0);
    __syncthreads();  // the previous tile is consumed (and qs written, before the first)
    for (int i = tid; i < kTile * (D / kEpv); i += kThreads) {
      const int p = i / (D / kEpv), e = (i % (D / kEpv)) * kEpv;
      float kv[kEpv], vv[kEpv];
      if (p < n) {
        const int pp = p0 + p;
        const int64_t slot = static_cast<int64_t>(table[pp / a.block_size]) * a.block_size + pp % a.block_size;
        const int64_t off = (slot * KVH + kvh) * D + e;
        const uint4 kw = __ldg(reinterpret_cast<const uint4*>(kc + off));
        const uint4 vw = __ldg(reinterpret_cast<const uint4*>(vc + off));
        const auto* ke = reinterpret_cast<const typename E::T*>(&kw);
        const auto* ve = reinterpret_cast<const typename E::T*>(&vw);
#pragma unroll
        for (int j = 0; j < kEpv; ++j) kv[j] = E::Load(ke[j]), vv[j] = E::Load(ve[j]);
      } else {
#pragma unroll
        for (int j = 0; j < kEpv; ++j) kv[j] = vv[j] = 0.f;
      }
#pragma unroll
      for (int j = 0; j < kEpv; ++j) ks[p][e + j] = kv[j], vs[p][e + j] = vv[j];
    }
    __syncthreads();
    // Scores and the softmax update: lane = position, a warp per head (q is a broadcast).
#pragma unroll
    for (int k = 0; k < 2; ++k) {
      const int h = warp + 4 * k;
      if (h >= G) break;
      float s = -INFINITY;
      if (lane < n) {
        float dot = 0.f;
#pragma unroll 16
        for (int d = 0; d < D; ++d) dot = fmaf(qs[h][d], ks[lane][d], dot);
        s = dot * a.scale;
      }
      const float m_new = fmaxf(m_run[k], WarpMax(s));  // finite: n >= 1
      const float corr = expf(m_run[k] - m_new);       // 0 on the first tile (m = -inf)
      const float e = lane < n ? expf(s - m_new) : 0.f;
      l_run[k] = l_run[k] * corr + WarpSum(e);
      m_run[k] = m_new;
      ps[h][lane] = e;
      if (lane == 0) corr_s[h] = corr;
    }
    __syncthreads();
    // acc[h, d] = acc * corr[h] + sum_p P[h, p] V[p, d]; output o = tid + i * kThreads.
#pragma unroll
    for (int i = 0; i < kOut; ++i) {
      const int o = tid + i * kThreads, h = o / D, d = o % D;
      if (h < G) {
        float v = acc[i] * corr_s[h];
        for (int p = 0; p < n; ++p) v = fmaf(ps[h][p], vs[p][d], v);
        acc[i] = v;
      }
    }
  }
  const int64_t base = (static_cast<int64_t>(t) * H + h0) * kMaxSplits + sp;  // (token, head h0, split)
#pragma unroll
  for (int i = 0; i < kOut; ++i) {
    const int o = tid + i * kThreads, h = o / D, d = o % D;
    if (h < G) a.part_acc[(base + static_cast<int64_t>(h) * kMaxSplits) * D + d] = acc[i];
  }
  if (lane == 0) {
#pragma unroll
    for (int k = 0; k < 2; ++k) {
      const int h = warp + 4 * k;
      if (h < G) {
        a.part_ml[(base + static_cast<int64_t>(h) * kMaxSplits) * 2] = m_run[k];
        a.part_ml[(base + static_cast<int64_t>(h) * kMaxSplits) * 2 + 1] = l_run[k];
      }
    }
  }
}

// Block per (token, head), a thread per d: the splits merged in split order.
__global__ void AttnCombineKernel(const int32_t* __restrict__ positions, const float* __restrict__ part_acc,
                                  const float* __restrict__ part_ml, int H, int D, float* __restrict__ out) {
  const int t = blockIdx.x, h = blockIdx.y, d = threadIdx.x;
  float* o = out + (static_cast<int64_t>(t) * H + h) * D;
  const int pos = positions[t];
  if (pos < 0) {
    o[d] = 0.f;
    return;
  }
  const int splits = PlanFor(pos + 1).splits;
  const int64_t base = (static_cast<int64_t>(t) * H + h) * kMaxSplits;
  float mx = -INFINITY;
  for (int i = 0; i < splits; ++i) mx = fmaxf(mx, part_ml[(base + i) * 2]);
  float total = 0.f, acc = 0.f;
  for (int i = 0; i < splits; ++i) {
    const float w = expf(part_ml[(base + i) * 2] - mx);
    total += w * part_ml[(base + i) * 2 + 1];
    acc = fmaf(w, part_acc[(base + i) * D + d], acc);
  }
  o[d] = acc * (1.f / total);
}

template <class E, int D>
void LaunchSplit(const AttnArgs& a, int num_tokens, Stream stream) {
  const dim3 grid(num_tokens, a.num_kv_heads, kMaxSplits);
  AttnSplitKernel<E, D><<<grid, kThreads, 0, stream>>>(a);
  CUDA_CHECK_LAUNCH();
}

template <class E>
void LaunchForDim(const AttnArgs& a, int num_tokens, int64_t head_dim, Stream stream) {
  switch (head_dim) {
    case 32: return LaunchSplit<E, 32>(a, num_tokens, stream);
    case 64: return LaunchSplit<E, 64>(a, num_tokens, stream);
    case 128: return LaunchSplit<E, 128>(a, num_tokens, stream);
    default: CHECK(false) << "head_dim " << head_dim << " (32, 64 or 128)";
  }
}

}  // namespace

size_t PagedAttentionScratchBytes(int64_t num_tokens, const AttentionShape& s) {
  return static_cast<size_t>(num_tokens * s.num_heads * kMaxSplits * (s.head_dim + 2)) * sizeof(float);
}

void PagedAttention(const float* q, KvLayer cache, const BatchView& batch, const AttentionShape& s, float* out,
                    void* scratch, size_t scratch_bytes, Stream stream) {
  if (batch.num_tokens == 0) return;
  CHECK(s.num_kv_heads > 0 && s.num_heads % s.num_kv_heads == 0 && s.num_heads / s.num_kv_heads <= kMaxGroup)
      << "GQA group " << s.num_heads << "/" << s.num_kv_heads << " (at most " << kMaxGroup << ")";
  CHECK_GE(scratch_bytes, PagedAttentionScratchBytes(batch.num_tokens, s));
  CHECK(reinterpret_cast<uintptr_t>(cache.k) % 16 == 0 && reinterpret_cast<uintptr_t>(cache.v) % 16 == 0);
  AttnArgs a{};
  a.q = q;
  a.k_cache = cache.k;
  a.v_cache = cache.v;
  a.positions = batch.positions;
  a.token_seq = batch.token_seq;
  a.block_tables = batch.block_tables;
  a.block_table_stride = batch.block_table_stride;
  a.num_heads = static_cast<int>(s.num_heads);
  a.num_kv_heads = static_cast<int>(s.num_kv_heads);
  a.block_size = static_cast<int>(s.block_size);
  a.scale = s.scale;
  a.part_acc = static_cast<float*>(scratch);
  a.part_ml = a.part_acc + static_cast<int64_t>(batch.num_tokens) * s.num_heads * kMaxSplits * s.head_dim;
  switch (cache.dtype) {
    case DType::kF32: LaunchForDim<F32Elem>(a, batch.num_tokens, s.head_dim, stream); break;
    case DType::kBF16: LaunchForDim<Bf16Elem>(a, batch.num_tokens, s.head_dim, stream); break;
    case DType::kF16: LaunchForDim<F16Elem>(a, batch.num_tokens, s.head_dim, stream); break;
    default: CHECK(false) << "unsupported KV dtype " << DTypeName(cache.dtype);
  }
  const dim3 grid(batch.num_tokens, static_cast<unsigned>(s.num_heads));
  AttnCombineKernel<<<grid, static_cast<unsigned>(s.head_dim), 0, stream>>>(
      batch.positions, a.part_acc, a.part_ml, a.num_heads, static_cast<int>(s.head_dim), out);
  CUDA_CHECK_LAUNCH();
}

}  // namespace vllm::cuda
