// Mixture-of-experts kernels (cuda_ops.h "moe"): the router's top-k, relu², and the weighted
// combine of the experts' outputs. The expert matmuls themselves are the ordinary MatMul
// (CudaBackend::MoeExperts buckets the tokens by expert and calls it per expert).
//
// The router follows cpu/moe.cc operation for operation (sequential sums in expert order, the
// same top-k scan), so ids agree with the CPU except where f32 exp differs by an ulp at a tie.
#include <cmath>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_ops.h"
#include "util/check.h"

namespace vllm::cuda {
namespace {

constexpr int kRouterThreads = 128;

// One block per token. Shared memory: prob[E], score[E] (f32), taken[E] (bytes).
// The elementwise parts run over the block; the sums and the top-k scan run on thread 0 in
// expert order, as the CPU does (k*E compares: ~1k for 8 of 128, far below the router matmul).
__global__ void __launch_bounds__(kRouterThreads)
    RouterTopKKernel(const float* __restrict__ logits, int E, int k, int sigmoid, int norm,
                     const float* __restrict__ bias, float scaling, int32_t* __restrict__ ids,
                     float* __restrict__ weights) {
  extern __shared__ float smem[];
  float* prob = smem;
  float* score = smem + E;
  unsigned char* taken = reinterpret_cast<unsigned char*>(smem + 2 * E);
  __shared__ float z_shared;
  const float* l = logits + static_cast<int64_t>(blockIdx.x) * E;
  int32_t* id = ids + static_cast<int64_t>(blockIdx.x) * k;
  float* w = weights + static_cast<int64_t>(blockIdx.x) * k;
  if (!sigmoid) {
    if (threadIdx.x == 0) {
      float mx = l[0];
      for (int e = 1; e < E; ++e) mx = fmaxf(mx, l[e]);
      float z = 0.f;
      for (int e = 0; e < E; ++e) z = __fadd_rn(z, (prob[e] = expf(__fsub_rn(l[e], mx))));
      z_shared = z;
    }
    __syncthreads();
    for (int e = threadIdx.x; e < E; e += blockDim.x) score[e] = prob[e] = __fdiv_rn(prob[e], z_shared);
  } else {
    for (int e = threadIdx.x; e < E; e += blockDim.x) {
      prob[e] = __fdiv_rn(1.f, __fadd_rn(1.f, expf(-l[e])));
      score[e] = __fadd_rn(prob[e], bias ? bias[e] : 0.f);
    }
  }
  for (int e = threadIdx.x; e < E; e += blockDim.x) taken[e] = 0;
  __syncthreads();
  if (threadIdx.x != 0) return;
  // The k largest scores, descending; ties (and NaN, which never wins) keep the lower id.
  for (int j = 0; j < k; ++j) {
    int best = -1;
    for (int e = 0; e < E; ++e)
      if (!taken[e] && (best < 0 || score[e] > score[best])) best = e;
    taken[best] = 1;
    id[j] = best;
    w[j] = prob[best];
  }
  if (norm) {
    float s = 0.f;
    for (int j = 0; j < k; ++j) s = __fadd_rn(s, w[j]);
    if (sigmoid) s = __fadd_rn(s, 1e-20f);
    for (int j = 0; j < k; ++j) w[j] = __fdiv_rn(w[j], s);
  }
  for (int j = 0; j < k; ++j) w[j] = __fmul_rn(w[j], scaling);
}

__global__ void Relu2Kernel(const float* __restrict__ x, int64_t n, float* __restrict__ out) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  const float r = fmaxf(x[i], 0.f);
  out[i] = __fmul_rn(r, r);
}

// out[t, h] = sum_j weights[t, j] * ys[pos[t, j], h] (+ shared[t, h]): slots in order, then the
// shared expert, products and sums rounded separately (cpu/moe.cc's loop).
__global__ void MoeCombineKernel(const float* __restrict__ ys, const int32_t* __restrict__ pos,
                                 const float* __restrict__ weights, const float* __restrict__ shared,
                                 int64_t H, int k, float* __restrict__ out) {
  const int64_t t = blockIdx.y;
  const int64_t h = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (h >= H) return;
  float o = 0.f;
  for (int j = 0; j < k; ++j)
    o = __fadd_rn(o, __fmul_rn(weights[t * k + j], ys[static_cast<int64_t>(pos[t * k + j]) * H + h]));
  if (shared) o = __fadd_rn(o, shared[t * H + h]);
  out[t * H + h] = o;
}

size_t RouterTopKSharedBytes(int64_t num_experts) {
  return static_cast<size_t>(num_experts) * (2 * sizeof(float) + 1);
}

}  // namespace

void RouterTopK(const float* logits, int64_t num_tokens, const RouterParams& p, int32_t* ids, float* weights,
                Stream stream) {
  if (num_tokens == 0) return;
  CHECK(p.num_experts >= 1 && p.num_experts <= kMaxRouterExperts && p.top_k >= 1 && p.top_k <= p.num_experts)
      << "router with " << p.num_experts << " experts, top " << p.top_k;
  const size_t smem = RouterTopKSharedBytes(p.num_experts);
  RouterTopKKernel<<<static_cast<unsigned>(num_tokens), kRouterThreads, smem, stream>>>(
      logits, static_cast<int>(p.num_experts), static_cast<int>(p.top_k), p.scoring == RouterScoring::kSigmoid,
      p.norm_topk_prob, p.correction_bias, p.routed_scaling, ids, weights);
  CUDA_CHECK_LAUNCH();
}

void Relu2(const float* x, int64_t n, float* out, Stream stream) {
  if (n == 0) return;
  Relu2Kernel<<<static_cast<unsigned>((n + 255) / 256), 256, 0, stream>>>(x, n, out);
  CUDA_CHECK_LAUNCH();
}

void MoeCombine(const float* ys, const int32_t* pos, const float* weights, const float* shared, int64_t num_tokens,
                int64_t hidden, int64_t top_k, float* out, Stream stream) {
  if (num_tokens == 0) return;
  const dim3 grid(static_cast<unsigned>((hidden + 255) / 256), static_cast<unsigned>(num_tokens));
  MoeCombineKernel<<<grid, 256, 0, stream>>>(ys, pos, weights, shared, hidden, static_cast<int>(top_k), out);
  CUDA_CHECK_LAUNCH();
}

}  // namespace vllm::cuda
