// The AVX-512 instantiation of matmul_impl.h (compiled with -mavx512f/bw/vl/dq, see CMakeLists).
#include "kernels/cpu/matmul_impl.h"
#include "kernels/cpu/matmul_targets.h"
#include "kernels/cpu/simd_avx512.h"

namespace vllm::cpu {

void MatMulAvx512(const WeightMatrix& w, const float* x, int64_t m, float* y, ThreadPool& pool) {
  simd::MatMul<Avx512>(w, x, m, y, pool);
}

}  // namespace vllm::cpu
