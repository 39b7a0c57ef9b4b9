// Row gathers: embedding lookup (dense widened, affine dequantized) and plain f32 row gathers.
#include <cmath>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/device_math.cuh"
#include "kernels/cuda/dtype_code.h"
#include "util/check.h"

namespace vllm::cuda {
namespace {

// Block per id. Affine: w = s*q + b with the product and the sum rounded separately, exactly
// as cpu::DequantRowT computes it (the CPU build does not contract to FMA).
__global__ void EmbeddingKernel(const unsigned char* __restrict__ data, int64_t row_bytes, int64_t rows,
                                int64_t cols, int dense_dtype, int bits, int group_size, const void* scales,
                                const void* biases, int param_dtype, const int32_t* __restrict__ ids,
                                float* __restrict__ out) {
  const int32_t id = ids[blockIdx.x];
  float* o = out + blockIdx.x * cols;
  if (id < 0 || id >= rows) {
    for (int64_t j = threadIdx.x; j < cols; j += blockDim.x) o[j] = NAN;
    return;
  }
  const unsigned char* row = data + id * row_bytes;
  for (int64_t j = threadIdx.x; j < cols; j += blockDim.x) {
    float v;
    if (bits == 0) {
      if (dense_dtype == 0) v = reinterpret_cast<const float*>(row)[j];
      else if (dense_dtype == 1) v = Bf16Bits(reinterpret_cast<const uint16_t*>(row)[j]);
      else v = F16Bits(reinterpret_cast<const uint16_t*>(row)[j]);
    } else {
      const uint32_t* words = reinterpret_cast<const uint32_t*>(row);
      const int64_t bit = j * bits;
      const int64_t word = bit >> 5;
      const int off = static_cast<int>(bit & 31);
      uint32_t q = words[word] >> off;
      if (off + bits > 32) q |= words[word + 1] << (32 - off);
      q &= (1u << bits) - 1u;
      const int64_t g = id * (cols / group_size) + j / group_size;
      const float s = LoadParam(scales, g, param_dtype), b = LoadParam(biases, g, param_dtype);
      v = __fadd_rn(__fmul_rn(s, static_cast<float>(q)), b);
    }
    o[j] = v;
  }
}

__global__ void GatherKernel(const float* __restrict__ src, const int32_t* __restrict__ idx, int64_t dim,
                             float* __restrict__ dst) {
  const float* s = src + static_cast<int64_t>(idx[blockIdx.x]) * dim;
  float* d = dst + blockIdx.x * dim;
  for (int64_t j = threadIdx.x; j < dim; j += blockDim.x) d[j] = s[j];
}

}  // namespace

void EmbeddingLookup(const WeightMatrix& w, const int32_t* ids, int64_t n, float* out, Stream stream) {
  if (n == 0) return;
  const int bits = w.quantized ? w.bits : 0;
  EmbeddingKernel<<<static_cast<unsigned>(n), 256, 0, stream>>>(
      w.data.data<unsigned char>(), static_cast<int64_t>(w.RowBytes()), w.rows, w.cols,
      w.quantized ? 0 : internal::FloatDtypeCode(w.dtype), bits, w.quantized ? w.group_size : 1, w.scales.ptr, w.biases.ptr,
      w.quantized ? internal::FloatDtypeCode(w.scale_dtype) : 0, ids, out);
  CUDA_CHECK_LAUNCH();
}

void GatherRows(const float* src, const int32_t* indices, int64_t n, int64_t dim, float* dst, Stream stream) {
  if (n == 0) return;
  GatherKernel<<<static_cast<unsigned>(n), 256, 0, stream>>>(src, indices, dim, dst);
  CUDA_CHECK_LAUNCH();
}

}  // namespace vllm::cuda
