// One MatMul per SIMD target (dispatch.h); ops.h's cpu::MatMul picks among them at run time.
// Same contract as cpu::MatMul.
#pragma once

#include <cstdint>

#include "model/weight_matrix.h"
#include "util/thread_pool.h"

namespace vllm::cpu {

void MatMulScalar(const WeightMatrix& w, const float* x, int64_t m, float* y, ThreadPool& pool);
#if defined(__x86_64__)
void MatMulAvx2(const WeightMatrix& w, const float* x, int64_t m, float* y, ThreadPool& pool);
void MatMulAvx512(const WeightMatrix& w, const float* x, int64_t m, float* y, ThreadPool& pool);
#endif

}  // namespace vllm::cpu
