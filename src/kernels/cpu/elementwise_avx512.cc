// The Avx512 instantiation of elementwise_impl.h. The shared headers come first, for the
// baseline ISA (simd_prelude.h says why); the kernels after the target pragma.
#include "kernels/cpu/simd_prelude.h"
#include "kernels/cpu/elementwise_targets.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c")
#include "kernels/cpu/elementwise_impl.h"
#include "kernels/cpu/simd_avx512.h"

namespace vllm::cpu {

void SiluMulAvx512(const float* gate, const float* up, int64_t n, float* out) {
  simd::SiluMul<Avx512>(gate, up, n, out);
}

}  // namespace vllm::cpu
#pragma GCC pop_options
