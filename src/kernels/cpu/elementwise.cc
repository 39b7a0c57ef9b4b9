// Row-wise and elementwise ops in f32. RMSNorm and RoPE follow MLX's definitions
// (MLX_FORMAT.md §B0): no "+1" on the norm weight; non-traditional rotate-half pairs.
// Each op dispatches to its SIMD kernel (elementwise_impl.h; both VNNI targets change only the
// matmul, so they run the avx512 kernels); the loops here are the portable scalar path.
#include <cmath>
#include <cstring>

#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/elementwise_targets.h"
#include "kernels/cpu/cpu_ops.h"

namespace vllm::cpu {
namespace {

// The vector width the elementwise kernels run at for the active target.
enum class Width { kScalar, kAvx2, kAvx512, kNeon };

Width ActiveWidth() {
  switch (ActiveSimdTarget()) {
    case SimdTarget::kAvx512:
    case SimdTarget::kAvx512Vnni:
    case SimdTarget::kAvx512VnniInt8: return Width::kAvx512;
    case SimdTarget::kAvx2: return Width::kAvx2;
    case SimdTarget::kNeon: return Width::kNeon;
    default: return Width::kScalar;
  }
}

// sum(x[i]^2) over one row. AddRmsNorm's scalar path adds in a pass of its own and then calls
// this on the stored sum, as RmsNorm does: a loop that also added could be contracted to FMAs
// differently, and the contract promises AddInPlace + RmsNorm's result.
float SumSquares(const float* x, int64_t dim) {
  float ss = 0.f;
  for (int64_t i = 0; i < dim; ++i) ss += x[i] * x[i];
  return ss;
}

// One row's x * rsqrt(mean(x^2) + eps) * weight, given its sum of squares.
void ScaleRow(const float* x, const float* weight, float ss, int64_t dim, float eps, float* y) {
  const float inv = 1.0f / std::sqrt(ss / static_cast<float>(dim) + eps);
  for (int64_t i = 0; i < dim; ++i) y[i] = x[i] * inv * weight[i];
}

}  // namespace

void RmsNorm(const float* x, const float* weight, int64_t rows, int64_t dim, float eps, float* y) {
  switch (ActiveWidth()) {
#if defined(__x86_64__)
    case Width::kAvx512: return RmsNormAvx512(x, weight, rows, dim, eps, y);
    case Width::kAvx2: return RmsNormAvx2(x, weight, rows, dim, eps, y);
#endif
#if defined(__aarch64__)
    case Width::kNeon: return RmsNormNeon(x, weight, rows, dim, eps, y);
#endif
    default: break;
  }
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * dim;
    ScaleRow(xr, weight, SumSquares(xr, dim), dim, eps, y + r * dim);
  }
}

void AddRmsNorm(float* x, const float* y, const float* weight, int64_t rows, int64_t dim, float eps,
                float* out) {
  switch (ActiveWidth()) {
#if defined(__x86_64__)
    case Width::kAvx512: return AddRmsNormAvx512(x, y, weight, rows, dim, eps, out);
    case Width::kAvx2: return AddRmsNormAvx2(x, y, weight, rows, dim, eps, out);
#endif
#if defined(__aarch64__)
    case Width::kNeon: return AddRmsNormNeon(x, y, weight, rows, dim, eps, out);
#endif
    default: break;
  }
  for (int64_t r = 0; r < rows; ++r) {
    float* xr = x + r * dim;
    const float* yr = y + r * dim;
    for (int64_t i = 0; i < dim; ++i) xr[i] += yr[i];
    ScaleRow(xr, weight, SumSquares(xr, dim), dim, eps, out + r * dim);
  }
}

void ApplyRope(float* x, const int32_t* positions, int64_t num_tokens, int64_t num_heads,
               int64_t head_dim, const float* inv_freq) {
  switch (ActiveWidth()) {
#if defined(__x86_64__)
    case Width::kAvx512: return ApplyRopeAvx512(x, positions, num_tokens, num_heads, head_dim, inv_freq);
    case Width::kAvx2: return ApplyRopeAvx2(x, positions, num_tokens, num_heads, head_dim, inv_freq);
#endif
#if defined(__aarch64__)
    case Width::kNeon: return ApplyRopeNeon(x, positions, num_tokens, num_heads, head_dim, inv_freq);
#endif
    default: break;
  }
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
  switch (ActiveWidth()) {
#if defined(__x86_64__)
    case Width::kAvx512: return SiluMulAvx512(gate, up, n, out);
    case Width::kAvx2: return SiluMulAvx2(gate, up, n, out);
#endif
#if defined(__aarch64__)
    case Width::kNeon: return SiluMulNeon(gate, up, n, out);
#endif
    default: break;
  }
  for (int64_t i = 0; i < n; ++i) {
    const float g = gate[i];
    out[i] = g / (1.0f + std::exp(-g)) * up[i];
  }
}

// gelu_tanh(g) = 0.5 g (1 + tanh(sqrt(2/pi) (g + 0.044715 g^3))), as gemma's
// hidden_activation gelu_pytorch_tanh. Scalar: gemma3's MLP spends far more on the matmuls.
void GeluTanhMul(const float* gate, const float* up, int64_t n, float* out) {
  constexpr float kSqrt2OverPi = 0.7978845608028654f;
  for (int64_t i = 0; i < n; ++i) {
    const float g = gate[i];
    out[i] = 0.5f * g * (1.0f + std::tanh(kSqrt2OverPi * (g + 0.044715f * g * g * g))) * up[i];
  }
}

void Scale(float* x, int64_t n, float s) {
  for (int64_t i = 0; i < n; ++i) x[i] *= s;
}

void AddInPlace(float* x, const float* y, int64_t n) {
  switch (ActiveWidth()) {
#if defined(__x86_64__)
    case Width::kAvx512: return AddInPlaceAvx512(x, y, n);
    case Width::kAvx2: return AddInPlaceAvx2(x, y, n);
#endif
#if defined(__aarch64__)
    case Width::kNeon: return AddInPlaceNeon(x, y, n);
#endif
    default: break;
  }
  for (int64_t i = 0; i < n; ++i) x[i] += y[i];
}

// In place (dst == src) is safe when indices are ascending with indices[i] >= i, as logits
// indices are: row i is written only after every row below it was read.
void GatherRows(const float* src, const int32_t* indices, int64_t n, int64_t dim, float* dst) {
  for (int64_t i = 0; i < n; ++i)
    std::memmove(dst + i * dim, src + static_cast<int64_t>(indices[i]) * dim, dim * sizeof(float));
}

}  // namespace vllm::cpu
