// Paged causal attention: the portable scalar kernel (SIMD ones in attention_impl.h, chosen
// at run time) with an online (streaming) softmax, so no scratch proportional to the context
// is needed. Work items are (token, query head)
// pairs; GQA maps query head h to kv head h / (num_heads / num_kv_heads).
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/cpu/attention_targets.h"
#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/cpu_ops.h"
#include "util/check.h"
#include "util/half.h"

namespace vllm::cpu {

namespace {

// Storage types of the cache: f32 as is, bf16/f16 as raw 16-bit patterns.
struct F32 {
  using T = float;
  static float Load(T x) { return x; }
  static T Store(float x) { return x; }
};
struct BF16 {
  using T = uint16_t;
  static float Load(T x) { return Bf16ToF32(x); }
  static T Store(float x) { return F32ToBf16(x); }
};
struct F16 {
  using T = uint16_t;
  static float Load(T x) { return F16ToF32(x); }
  static T Store(float x) { return F32ToF16(x); }
};

template <typename S>
void WriteKv(const float* k, const float* v, const BatchView& in, int64_t stride, KvLayer cache) {
  auto* kc = static_cast<typename S::T*>(cache.k);
  auto* vc = static_cast<typename S::T*>(cache.v);
  for (int32_t t = 0; t < in.num_tokens; ++t) {
    const int64_t slot = in.slot_mapping[t];
    if (slot < 0) continue;  // padding row
    for (int64_t i = 0; i < stride; ++i) {
      kc[slot * stride + i] = S::Store(k[t * stride + i]);
      vc[slot * stride + i] = S::Store(v[t * stride + i]);
    }
  }
}

}  // namespace

void WriteKvCache(const float* k, const float* v, const BatchView& in, const AttentionShape& s,
                  KvLayer cache) {
  const int64_t stride = s.num_kv_heads * s.head_dim;
  switch (cache.dtype) {
    case DType::kF32: return WriteKv<F32>(k, v, in, stride, cache);
    case DType::kBF16: return WriteKv<BF16>(k, v, in, stride, cache);
    case DType::kF16: return WriteKv<F16>(k, v, in, stride, cache);
    default: CHECK(false) << "unsupported KV dtype";
  }
}

namespace {

template <typename S>
void Attend(const float* q, KvLayer cache, const BatchView& in, const AttentionShape& s, float* out,
            ThreadPool& pool) {
  const auto* k_cache = static_cast<const typename S::T*>(cache.k);
  const auto* v_cache = static_cast<const typename S::T*>(cache.v);
  const int64_t T = in.num_tokens;
  const int64_t H = s.num_heads, D = s.head_dim, bs = s.block_size;
  const int64_t group = H / s.num_kv_heads;
  const int64_t kv_stride = s.num_kv_heads * D;
  CHECK_LE(D, 512) << "head_dim above the kernel's stack accumulator";
  pool.ParallelFor(static_cast<size_t>(T * H), 4, [&](size_t begin, size_t end) {
    float acc[512];
    for (size_t item = begin; item < end; ++item) {
      const int64_t t = static_cast<int64_t>(item) / H, h = static_cast<int64_t>(item) % H;
      const int32_t seq = in.token_seq[t];
      const int32_t* table = in.block_table(seq);
      const int64_t kvh = h / group;
      const float* qh = q + (t * H + h) * D;
      const int64_t last = in.positions[t];
      float m = -std::numeric_limits<float>::infinity(), l = 0.f;
      std::fill(acc, acc + D, 0.f);
      const int64_t first = s.sliding_window > 0 ? std::max<int64_t>(0, last - s.sliding_window + 1) : 0;
      for (int64_t p = first; p <= last; ++p) {
        const int64_t slot = static_cast<int64_t>(table[p / bs]) * bs + p % bs;
        const auto* kp = k_cache + slot * kv_stride + kvh * D;
        float dot = 0.f;
        for (int64_t d = 0; d < D; ++d) dot += qh[d] * S::Load(kp[d]);
        const float score = dot * s.scale;
        const auto* vp = v_cache + slot * kv_stride + kvh * D;
        if (score > m) {
          const float correction = std::exp(m - score);  // exp(-inf) = 0 on the first key
          l = l * correction + 1.f;
          for (int64_t d = 0; d < D; ++d) acc[d] = acc[d] * correction + S::Load(vp[d]);
          m = score;
        } else {
          const float w = std::exp(score - m);
          l += w;
          for (int64_t d = 0; d < D; ++d) acc[d] += w * S::Load(vp[d]);
        }
      }
      float* oh = out + (t * H + h) * D;
      const float inv_l = 1.f / l;
      for (int64_t d = 0; d < D; ++d) oh[d] = acc[d] * inv_l;
    }
  });
}

}  // namespace

void PagedAttention(const float* q, KvLayer cache, const BatchView& in, const AttentionShape& s,
                    float* out, ThreadPool& pool) {
#if defined(__x86_64__)
  switch (ActiveSimdTarget()) {
    case SimdTarget::kAvx512:
    case SimdTarget::kAvx512Vnni:
    case SimdTarget::kAvx512VnniInt8:
      if (PagedAttentionAvx512(q, cache, in, s, out, pool)) return;
      break;
    case SimdTarget::kAvx2:
      if (PagedAttentionAvx2(q, cache, in, s, out, pool)) return;
      break;
    default: break;
  }
#endif
#if defined(__aarch64__)
  if (ActiveSimdTarget() == SimdTarget::kNeon && PagedAttentionNeon(q, cache, in, s, out, pool)) return;
#endif
  switch (cache.dtype) {
    case DType::kF32: return Attend<F32>(q, cache, in, s, out, pool);
    case DType::kBF16: return Attend<BF16>(q, cache, in, s, out, pool);
    case DType::kF16: return Attend<F16>(q, cache, in, s, out, pool);
    default: CHECK(false) << "unsupported KV dtype";
  }
}

}  // namespace vllm::cpu
