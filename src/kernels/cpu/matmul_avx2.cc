// The AVX2 instantiation of matmul_impl.h (compiled with -mavx2 -mfma -mf16c, see CMakeLists).
#include "kernels/cpu/matmul_impl.h"
#include "kernels/cpu/matmul_targets.h"
#include "kernels/cpu/simd_avx2.h"

namespace vllm::cpu {

void MatMulSharedAvx2(const MatMulJob* jobs, int n, const float* x, int64_t m, ThreadPool& pool) {
  simd::MatMulShared<Avx2>(jobs, n, x, m, pool);
}

}  // namespace vllm::cpu
