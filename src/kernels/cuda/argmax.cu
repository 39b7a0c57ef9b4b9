// Greedy sampling on the device: one block per row, (value, index) reduced in a fixed order.
// Semantics of sampler/basic_sampler.h ArgMax: NaN never wins, the lowest index wins ties,
// and a NaN at index 0 gives 0 (the CPU's running max starts at x[0] and stays NaN).
#include <cmath>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_ops.h"

namespace vllm::cuda {
namespace {

constexpr int kThreads = 512;

struct Best {
  float v;
  int32_t i;  // -1: nothing seen yet
};

__device__ __forceinline__ Best Better(Best a, Best b) {
  if (a.i < 0) return b;
  if (b.i < 0) return a;
  if (b.v > a.v || (b.v == a.v && b.i < a.i)) return b;
  return a;
}

__global__ void __launch_bounds__(kThreads) ArgMaxKernel(const float* __restrict__ logits, int64_t vocab,
                                                         int32_t* __restrict__ out) {
  __shared__ Best warp_best[kThreads / 32];
  const float* row = logits + blockIdx.x * vocab;
  Best b{0.f, -1};
  for (int64_t i = threadIdx.x; i < vocab; i += kThreads) {  // ascending: ties keep the first
    const float v = row[i];
    if (!isnan(v) && (b.i < 0 || v > b.v)) b = {v, static_cast<int32_t>(i)};
  }
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) {
    const Best other{__shfl_xor_sync(0xffffffffu, b.v, o), __shfl_xor_sync(0xffffffffu, b.i, o)};
    b = Better(b, other);
  }
  if ((threadIdx.x & 31) == 0) warp_best[threadIdx.x >> 5] = b;
  __syncthreads();
  if (threadIdx.x == 0) {
    Best r = warp_best[0];
    for (int w = 1; w < kThreads / 32; ++w) r = Better(r, warp_best[w]);
    out[blockIdx.x] = (isnan(row[0]) || r.i < 0) ? 0 : r.i;
  }
}

}  // namespace

void ArgMaxRows(const float* logits, int64_t rows, int64_t vocab, int32_t* out_ids, Stream stream) {
  if (rows == 0) return;
  ArgMaxKernel<<<static_cast<unsigned>(rows), kThreads, 0, stream>>>(logits, vocab, out_ids);
  CUDA_CHECK_LAUNCH();
}

}  // namespace vllm::cuda
