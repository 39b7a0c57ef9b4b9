// The AVX-512 VNNI instantiations of matmul_impl.h: the AVX-512 kernels, with the tile GEMM of
// affine weights on 16-bit activations (matmul_vnni_impl.h), and with int8 activations for
// 8/4-bit weights (matmul_int8_impl.h). Shared headers first, for the
// baseline ISA (simd_prelude.h says why); the kernels after the target pragma.
#include "kernels/cpu/simd_prelude.h"
#include "kernels/cpu/matmul_targets.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx2,fma,f16c")
#include "kernels/cpu/matmul_impl.h"
#include "kernels/cpu/simd_avx512.h"

namespace vllm::cpu {

void MatMulGroupedAvx512Vnni(const GroupedMatMulJob* jobs, int n, ThreadPool& pool) {
  simd::MatMulGrouped<Avx512Vnni>(jobs, n, pool);
}

void MatMulGroupedAvx512VnniInt8(const GroupedMatMulJob* jobs, int n, ThreadPool& pool) {
  simd::MatMulGrouped<Avx512VnniInt8>(jobs, n, pool);
}

}  // namespace vllm::cpu
#pragma GCC pop_options
