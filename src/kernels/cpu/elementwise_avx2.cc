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

}  // namespace vllm::cpu
#pragma GCC pop_options
