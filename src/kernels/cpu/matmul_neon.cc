// The Neon instantiation of matmul_impl.h. Built only for AArch64 (CMakeLists.txt), where NEON
// is baseline: no target pragma, so the prelude's ODR concern (simd_prelude.h) does not arise
// and the headers are included in the ordinary way.
#include "kernels/cpu/matmul_impl.h"
#include "kernels/cpu/matmul_targets.h"
#include "kernels/cpu/simd_neon.h"

namespace vllm::cpu {

void MatMulSharedNeon(const MatMulJob* jobs, int n, const float* x, int64_t m, ThreadPool& pool) {
  simd::MatMulShared<Neon>(jobs, n, x, m, pool);
}

}  // namespace vllm::cpu
