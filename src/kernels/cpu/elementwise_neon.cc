// The Neon instantiation of elementwise_impl.h. Built only for AArch64, where NEON is baseline
// (no target pragma; see matmul_neon.cc).
#include "kernels/cpu/elementwise_impl.h"
#include "kernels/cpu/elementwise_targets.h"
#include "kernels/cpu/simd_neon.h"

namespace vllm::cpu {

void SiluMulNeon(const float* gate, const float* up, int64_t n, float* out) {
  simd::SiluMul<Neon>(gate, up, n, out);
}

void RmsNormNeon(const float* x, const float* weight, int64_t rows, int64_t dim, float eps, float* y) {
  simd::RmsNorm<Neon>(x, weight, rows, dim, eps, y);
}

void AddRmsNormNeon(float* x, const float* y, const float* weight, int64_t rows, int64_t dim, float eps, float* out) {
  simd::AddRmsNorm<Neon>(x, y, weight, rows, dim, eps, out);
}

void ApplyRopeNeon(float* x, const int32_t* positions, int64_t num_tokens, int64_t num_heads, int64_t head_dim,
                   const float* inv_freq) {
  simd::ApplyRope<Neon>(x, positions, num_tokens, num_heads, head_dim, inv_freq);
}

void AddInPlaceNeon(float* x, const float* y, int64_t n) {
  simd::AddInPlace<Neon>(x, y, n);
}

}  // namespace vllm::cpu
