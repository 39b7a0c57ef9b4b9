// Internal seam between the matmul entry points (matmul.cu: validation, job packing, path
// choice) and the kernel instantiations (matmul_gemv.cu, matmul_mma.cu), which compile in
// parallel.
#pragma once

#include <cstdint>

#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/matmul_formats.cuh"

namespace vllm::cuda::internal {

// Storage format of a launch's weights: affine 2..8 bits (the value is the bit width), dense.
enum class WeightFormat : int8_t {
  kAffine2 = 2, kAffine3 = 3, kAffine4 = 4, kAffine5 = 5, kAffine6 = 6, kAffine8 = 8,
  kDenseF32 = 32, kDenseBf16 = 16, kDenseF16 = 17,
};

// jobs.block_begin is filled by the launchers (rows per block depends on the kernel).
// Any m >= 1 (8-token tiles past 8). w_vec: every row may be read with the format's vector
// loads; x_vec: float4 x loads.
void LaunchGemv(WeightFormat f, MatJobs jobs, const float* x, int m, int cols, bool w_vec, bool x_vec,
                Stream stream);
// Affine or dense bf16 weights, cols % 32 == 0, any m >= 1.
void LaunchMma(WeightFormat f, MatJobs jobs, const float* x, int m, int cols, bool x_vec, Stream stream);

int NumSms();

}  // namespace vllm::cuda::internal
