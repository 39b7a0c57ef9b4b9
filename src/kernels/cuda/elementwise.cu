// Row-wise and elementwise ops in f32 (ops.h semantics; MLX's definitions: no "+1" on the norm
// weight, rotate-half RoPE). The expressions follow cpu/elementwise.cc operation for operation
// (products and sums rounded separately: host code is built without FMA contraction), so
// results agree with the CPU to f32 rounding of the reduction order.
#include <cmath>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/device_math.cuh"

namespace vllm::cuda {
namespace {

constexpr int kRowThreads = 256;

// One block per row: sum of squares in a fixed order, then x * inv * w.
__global__ void __launch_bounds__(kRowThreads) RmsNormKernel(const float* x, const float* __restrict__ w,
                                                             int64_t dim, float eps, float* y) {
  __shared__ float red[32];
  const float* xr = x + blockIdx.x * dim;
  float* yr = y + blockIdx.x * dim;
  float ss = 0.f;
  for (int64_t i = threadIdx.x; i < dim; i += blockDim.x) ss = fmaf(xr[i], xr[i], ss);
  ss = BlockSum(ss, red);
  const float inv = 1.0f / sqrtf(ss / static_cast<float>(dim) + eps);
  for (int64_t i = threadIdx.x; i < dim; i += blockDim.x) yr[i] = __fmul_rn(__fmul_rn(xr[i], inv), w[i]);
}

__global__ void __launch_bounds__(kRowThreads) AddRmsNormKernel(float* x, const float* __restrict__ y,
                                                                const float* __restrict__ w, int64_t dim,
                                                                float eps, float* __restrict__ out) {
  __shared__ float red[32];
  float* xr = x + blockIdx.x * dim;
  const float* yr = y + blockIdx.x * dim;
  float* outr = out + blockIdx.x * dim;
  float ss = 0.f;
  for (int64_t i = threadIdx.x; i < dim; i += blockDim.x) {
    const float s = __fadd_rn(xr[i], yr[i]);
    xr[i] = s;
    ss = fmaf(s, s, ss);
  }
  ss = BlockSum(ss, red);
  const float inv = 1.0f / sqrtf(ss / static_cast<float>(dim) + eps);
  // Each thread reads back only the elements it wrote: no barrier needed.
  for (int64_t i = threadIdx.x; i < dim; i += blockDim.x) outr[i] = __fmul_rn(__fmul_rn(xr[i], inv), w[i]);
}

// One thread per (token, head, i < head_dim/2): angle pos * inv_freq[i] in f32, as the CPU.
__global__ void RopeKernel(float* x, const int32_t* __restrict__ positions, int64_t num_tokens,
                           int64_t num_heads, int64_t head_dim, const float* __restrict__ inv_freq) {
  const int64_t half = head_dim / 2;
  const int64_t idx = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (idx >= num_tokens * num_heads * half) return;
  const int64_t i = idx % half, th = idx / half, t = th / num_heads;
  const float theta = __fmul_rn(static_cast<float>(positions[t]), inv_freq[i]);
  float s, c;
  sincosf(theta, &s, &c);
  float* xh = x + th * head_dim;
  const float a = xh[i], b = xh[i + half];
  xh[i] = __fsub_rn(__fmul_rn(a, c), __fmul_rn(b, s));
  xh[i + half] = __fadd_rn(__fmul_rn(a, s), __fmul_rn(b, c));
}

__global__ void SiluMulKernel(const float* __restrict__ gate, const float* __restrict__ up, int64_t n,
                              float* __restrict__ out) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  const float g = gate[i];
  out[i] = __fmul_rn(__fdiv_rn(g, __fadd_rn(1.0f, expf(-g))), up[i]);
}

__global__ void AddKernel(float* x, const float* __restrict__ y, int64_t n) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i < n) x[i] = __fadd_rn(x[i], y[i]);
}

int Blocks(int64_t n, int threads) { return static_cast<int>((n + threads - 1) / threads); }

}  // namespace

void RmsNorm(const float* x, const float* weight, int64_t rows, int64_t dim, float eps, float* y, Stream stream) {
  if (rows == 0) return;
  RmsNormKernel<<<static_cast<unsigned>(rows), kRowThreads, 0, stream>>>(x, weight, dim, eps, y);
  CUDA_CHECK_LAUNCH();
}

void AddRmsNorm(float* x, const float* y, const float* weight, int64_t rows, int64_t dim, float eps, float* out,
                Stream stream) {
  if (rows == 0) return;
  AddRmsNormKernel<<<static_cast<unsigned>(rows), kRowThreads, 0, stream>>>(x, y, weight, dim, eps, out);
  CUDA_CHECK_LAUNCH();
}

void ApplyRope(float* x, const int32_t* positions, int64_t num_tokens, int64_t num_heads, int64_t head_dim,
               const float* inv_freq, Stream stream) {
  const int64_t n = num_tokens * num_heads * (head_dim / 2);
  if (n == 0) return;
  RopeKernel<<<Blocks(n, 256), 256, 0, stream>>>(x, positions, num_tokens, num_heads, head_dim, inv_freq);
  CUDA_CHECK_LAUNCH();
}

void SiluMul(const float* gate, const float* up, int64_t n, float* out, Stream stream) {
  if (n == 0) return;
  SiluMulKernel<<<Blocks(n, 256), 256, 0, stream>>>(gate, up, n, out);
  CUDA_CHECK_LAUNCH();
}

void AddInPlace(float* x, const float* y, int64_t n, Stream stream) {
  if (n == 0) return;
  AddKernel<<<Blocks(n, 256), 256, 0, stream>>>(x, y, n);
  CUDA_CHECK_LAUNCH();
}

}  // namespace vllm::cuda
