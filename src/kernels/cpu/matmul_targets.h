// One implementation per SIMD target (dispatch.h); ops.h's cpu::MatMul / MatMulShared pick
// among them at run time. Same contracts as those.
#pragma once

#include <cstdint>

#include "kernels/cpu/cpu_ops.h"
#include "kernels/weight_matrix.h"
#include "util/thread_pool.h"

namespace vllm::cpu {

void MatMulScalar(const WeightMatrix& w, const float* x, int64_t m, float* y, ThreadPool& pool);
#if defined(__x86_64__)
void MatMulGroupedAvx2(const GroupedMatMulJob* jobs, int n, ThreadPool& pool);
void MatMulGroupedAvx512(const GroupedMatMulJob* jobs, int n, ThreadPool& pool);
void MatMulGroupedAvx512Vnni(const GroupedMatMulJob* jobs, int n, ThreadPool& pool);
void MatMulGroupedAvx512VnniInt8(const GroupedMatMulJob* jobs, int n, ThreadPool& pool);
// cpu::QuantizeGgufActivations per target (the avx512vnni targets use the avx512 one).
void QuantizeGgufActivationsAvx2(const float* x, int64_t m, int64_t cols, int8_t* q, float* d, float* bsum);
void QuantizeGgufActivationsAvx512(const float* x, int64_t m, int64_t cols, int8_t* q, float* d, float* bsum);
#endif
#if defined(__aarch64__)
void MatMulGroupedNeon(const GroupedMatMulJob* jobs, int n, ThreadPool& pool);
#endif

}  // namespace vllm::cpu
