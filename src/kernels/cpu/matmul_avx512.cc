// The AVX-512 instantiation of matmul_impl.h (compiled with -mavx512f/bw/vl/dq, see CMakeLists).
#include "kernels/cpu/matmul_impl.h"
#include "kernels/cpu/matmul_targets.h"
#include "kernels/cpu/simd_avx512.h"

namespace vllm::cpu {

void MatMulSharedAvx512(const MatMulJob* jobs, int n, const float* x, int64_t m, ThreadPool& pool) {
  simd::MatMulShared<Avx512>(jobs, n, x, m, pool);
}

}  // namespace vllm::cpu
