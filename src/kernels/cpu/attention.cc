// Paged causal attention over f32 KV blocks with an online (streaming) softmax, so no
// scratch proportional to the context is needed. Work items are (token, query head)
// pairs; GQA maps query head h to kv head h / (num_heads / num_kv_heads).
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/ops.h"
#include "util/check.h"

namespace vllm::cpu {

void WriteKvCache(const float* k, const float* v, const BatchInputs& in, const AttentionShape& s,
                  float* k_cache, float* v_cache) {
  const int64_t stride = s.num_kv_heads * s.head_dim;
  for (int32_t t = 0; t < in.num_tokens(); ++t) {
    const int64_t slot = in.slot_mapping[t];
    std::copy(k + t * stride, k + (t + 1) * stride, k_cache + slot * stride);
    std::copy(v + t * stride, v + (t + 1) * stride, v_cache + slot * stride);
  }
}

void PagedAttention(const float* q, const float* k_cache, const float* v_cache,
                    const BatchInputs& in, const AttentionShape& s, float* out, ThreadPool& pool) {
  const int64_t T = in.num_tokens();
  const int64_t H = s.num_heads, D = s.head_dim, bs = s.block_size;
  const int64_t group = H / s.num_kv_heads;
  const int64_t kv_stride = s.num_kv_heads * D;
  CHECK_LE(D, 512) << "head_dim above the kernel's stack accumulator";
  pool.ParallelFor(static_cast<size_t>(T * H), 4, [&](size_t begin, size_t end) {
    float acc[512];
    for (size_t item = begin; item < end; ++item) {
      const int64_t t = static_cast<int64_t>(item) / H, h = static_cast<int64_t>(item) % H;
      // Sequence of token t: the last query_start <= t.
      const int32_t seq = static_cast<int32_t>(
          std::upper_bound(in.query_start.begin(), in.query_start.end(), static_cast<int32_t>(t)) -
          in.query_start.begin() - 1);
      const int32_t* table = in.block_table(seq);
      const int64_t kvh = h / group;
      const float* qh = q + (t * H + h) * D;
      const int64_t last = in.positions[t];
      float m = -std::numeric_limits<float>::infinity(), l = 0.f;
      std::fill(acc, acc + D, 0.f);
      for (int64_t p = 0; p <= last; ++p) {
        const int64_t slot = static_cast<int64_t>(table[p / bs]) * bs + p % bs;
        const float* kp = k_cache + slot * kv_stride + kvh * D;
        float dot = 0.f;
        for (int64_t d = 0; d < D; ++d) dot += qh[d] * kp[d];
        const float score = dot * s.scale;
        const float* vp = v_cache + slot * kv_stride + kvh * D;
        if (score > m) {
          const float correction = std::exp(m - score);  // exp(-inf) = 0 on the first key
          l = l * correction + 1.f;
          for (int64_t d = 0; d < D; ++d) acc[d] = acc[d] * correction + vp[d];
          m = score;
        } else {
          const float w = std::exp(score - m);
          l += w;
          for (int64_t d = 0; d < D; ++d) acc[d] += w * vp[d];
        }
      }
      float* oh = out + (t * H + h) * D;
      const float inv_l = 1.f / l;
      for (int64_t d = 0; d < D; ++d) oh[d] = acc[d] * inv_l;
    }
  });
}

}  // namespace vllm::cpu
