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
void MatMulSharedAvx2(const MatMulJob* jobs, int n, const float* x, int64_t m, ThreadPool& pool);
void MatMulSharedAvx512(const MatMulJob* jobs, int n, const float* x, int64_t m, ThreadPool& pool);
void MatMulSharedAvx512Vnni(const MatMulJob* jobs, int n, const float* x, int64_t m, ThreadPool& pool);
void MatMulSharedAvx512VnniInt8(const MatMulJob* jobs, int n, const float* x, int64_t m, ThreadPool& pool);
#endif
#if defined(__aarch64__)
void MatMulSharedNeon(const MatMulJob* jobs, int n, const float* x, int64_t m, ThreadPool& pool);
#endif

}  // namespace vllm::cpu
