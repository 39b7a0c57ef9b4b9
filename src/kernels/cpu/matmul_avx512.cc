// The Avx512 instantiation of matmul_impl.h. The shared headers come first, for the baseline
// ISA (simd_prelude.h says why); the kernels after the target pragma.
#include "kernels/cpu/simd_prelude.h"
#include "kernels/cpu/matmul_targets.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c")
#include "kernels/cpu/matmul_impl.h"
#include "kernels/cpu/simd_avx512.h"

namespace vllm::cpu {

void MatMulGroupedAvx512(const GroupedMatMulJob* jobs, int n, ThreadPool& pool) {
  simd::MatMulGrouped<Avx512>(jobs, n, pool);
}

}  // namespace vllm::cpu
#pragma GCC pop_options
