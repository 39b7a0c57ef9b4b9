// The AVX2 instantiation of matmul_impl.h (compiled with -mavx2 -mfma -mf16c, see CMakeLists).
#include "kernels/cpu/matmul_impl.h"
#include "kernels/cpu/matmul_targets.h"
#include "kernels/cpu/simd_avx2.h"

namespace vllm::cpu {

void MatMulAvx2(const WeightMatrix& w, const float* x, int64_t m, float* y, ThreadPool& pool) {
  simd::MatMul<Avx2>(w, x, m, y, pool);
}

}  // namespace vllm::cpu
