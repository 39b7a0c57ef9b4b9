// The Avx2 instantiation of elementwise_impl.h. The shared headers come first, for the
// baseline ISA (simd_prelude.h says why); the kernels after the target pragma.
#include "kernels/cpu/simd_prelude.h"
#include "kernels/cpu/elementwise_targets.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")
#include "kernels/cpu/elementwise_impl.h"
#include "kernels/cpu/simd_avx2.h"

namespace vllm::cpu {

void SiluMulAvx2(const float* gate, const float* up, int64_t n, float* out) {
  simd::SiluMul<Avx2>(gate, up, n, out);
}

void RmsNormAvx2(const float* x, const float* weight, int64_t rows, int64_t dim, float eps, float* y) {
  simd::RmsNorm<Avx2>(x, weight, rows, dim, eps, y);
}

void AddRmsNormAvx2(float* x, const float* y, const float* weight, int64_t rows, int64_t dim, float eps, float* out) {
  simd::AddRmsNorm<Avx2>(x, y, weight, rows, dim, eps, out);
}

void ApplyRopeAvx2(float* x, const int32_t* positions, int64_t num_tokens, int64_t num_heads, int64_t head_dim,
                   const float* inv_freq) {
  simd::ApplyRope<Avx2>(x, positions, num_tokens, num_heads, head_dim, inv_freq);
}

void AddInPlaceAvx2(float* x, const float* y, int64_t n) {
  simd::AddInPlace<Avx2>(x, y, n);
}

}  // namespace vllm::cpu
#pragma GCC pop_options
