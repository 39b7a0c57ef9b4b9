// The Avx2 instantiation of matmul_impl.h. The shared headers come first, for the baseline
// ISA (simd_prelude.h says why); the kernels after the target pragma.
#include "kernels/cpu/simd_prelude.h"
#include "kernels/cpu/matmul_targets.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")
#include "kernels/cpu/matmul_impl.h"
#include "kernels/cpu/simd_avx2.h"

namespace vllm::cpu {

void MatMulGroupedAvx2(const GroupedMatMulJob* jobs, int n, ThreadPool& pool) {
  simd::MatMulGrouped<Avx2>(jobs, n, pool);
}

void QuantizeGgufActivationsAvx2(const float* x, int64_t m, int64_t cols, int8_t* q, float* d, float* bsum) {
  for (int64_t t = 0; t < m; ++t)
    for (int64_t b = 0; b < cols / 32; ++b)
      simd::QuantizeQ8Block<Avx2>(x + t * cols + 32 * b, q + t * cols + 32 * b, d + t * (cols / 32) + b,
                                bsum + t * (cols / 32) + b);
}

}  // namespace vllm::cpu
#pragma GCC pop_options
