// The Neon instantiation of matmul_impl.h. Built only for AArch64 (CMakeLists.txt), where NEON
// is baseline: no target pragma, so the prelude's ODR concern (simd_prelude.h) does not arise
// and the headers are included in the ordinary way.
#include "kernels/cpu/matmul_impl.h"
#include "kernels/cpu/matmul_targets.h"
#include "kernels/cpu/simd_neon.h"

namespace vllm::cpu {

void MatMulGroupedNeon(const GroupedMatMulJob* jobs, int n, ThreadPool& pool) {
  simd::MatMulGrouped<Neon>(jobs, n, pool);
}

}  // namespace vllm::cpu
