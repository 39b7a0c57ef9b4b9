// Row-wise and elementwise ops in f32. RMSNorm and RoPE follow MLX's definitions
// (MLX_FORMAT.md §B0): no "+1" on the norm weight; non-traditional rotate-half pairs.
#include <cmath>

#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/elementwise_targets.h"
#include "kernels/ops.h"

namespace vllm::cpu {

void RmsNorm(const float* x, const float* weight, int64_t rows, int64_t dim, float eps, float* y) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * dim;
    float* yr = y + r * dim;
    float ss = 0.f;
    for (int64_t i = 0; i < dim; ++i) ss += xr[i] * xr[i];
    const float inv = 1.0f / std::sqrt(ss / static_cast<float>(dim) + eps);
    for (int64_t i = 0; i < dim; ++i) yr[i] = xr[i] * inv * weight[i];
  }
}

void ApplyRope(float* x, const int32_t* positions, int64_t num_tokens, int64_t num_heads,
               int64_t head_dim, const float* inv_freq) {
  const int64_t half = head_dim / 2;
  for (int64_t t = 0; t < num_tokens; ++t) {
    const float pos = static_cast<float>(positions[t]);
    for (int64_t i = 0; i < half; ++i) {
      const float theta = pos * inv_freq[i];
      const float c = std::cos(theta), s = std::sin(theta);
      for (int64_t h = 0; h < num_heads; ++h) {
        float* xh = x + (t * num_heads + h) * head_dim;
        const float a = xh[i], b = xh[i + half];
        xh[i] = a * c - b * s;
        xh[i + half] = a * s + b * c;
      }
    }
  }
}

void SiluMul(const float* gate, const float* up, int64_t n, float* out) {
#if defined(__x86_64__)
  switch (ActiveSimdTarget()) {
    case SimdTarget::kAvx512:
    case SimdTarget::kAvx512Vnni:
    case SimdTarget::kAvx512VnniInt8: return SiluMulAvx512(gate, up, n, out);
    case SimdTarget::kAvx2: return SiluMulAvx2(gate, up, n, out);
    default: break;
  }
#endif
#if defined(__aarch64__)
  if (ActiveSimdTarget() == SimdTarget::kNeon) return SiluMulNeon(gate, up, n, out);
#endif
  for (int64_t i = 0; i < n; ++i) {
    const float g = gate[i];
    out[i] = g / (1.0f + std::exp(-g)) * up[i];
  }
}

void AddInPlace(float* x, const float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] += y[i];
}

}  // namespace vllm::cpu
