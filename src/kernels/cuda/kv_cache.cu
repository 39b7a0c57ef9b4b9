// KV store at the slot mapping: K/V [T, num_kv_heads * head_dim] f32 -> caches
// [num_blocks * block_size, num_kv_heads * head_dim] in f32/bf16/f16 (round-to-nearest-even).
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/device_math.cuh"
#include "util/check.h"

namespace vllm::cuda {
namespace {

// One block per token; slot -1 (padding) writes nothing.
template <class E>
__global__ void WriteKvKernel(const float* __restrict__ k, const float* __restrict__ v,
                              const int64_t* __restrict__ slots, int64_t stride, typename E::T* kc,
                              typename E::T* vc) {
  const int64_t slot = slots[blockIdx.x];
  if (slot < 0) return;
  const float* kt = k + blockIdx.x * stride;
  const float* vt = v + blockIdx.x * stride;
  for (int64_t i = threadIdx.x; i < stride; i += blockDim.x) {
    kc[slot * stride + i] = E::Store(kt[i]);
    vc[slot * stride + i] = E::Store(vt[i]);
  }
}

template <class E>
void Launch(const float* k, const float* v, const BatchView& b, int64_t stride, KvLayer cache, Stream stream) {
  WriteKvKernel<E><<<b.num_tokens, 128, 0, stream>>>(k, v, b.slot_mapping, stride,
                                                      static_cast<typename E::T*>(cache.k),
                                                      static_cast<typename E::T*>(cache.v));
  CUDA_CHECK_LAUNCH();
}

}  // namespace

void WriteKvCache(const float* k, const float* v, const BatchView& batch, const AttentionShape& s, KvLayer cache,
                  Stream stream) {
  if (batch.num_tokens == 0) return;
  const int64_t stride = s.num_kv_heads * s.head_dim;
  switch (cache.dtype) {
    case DType::kF32: return Launch<F32Elem>(k, v, batch, stride, cache, stream);
    case DType::kBF16: return Launch<Bf16Elem>(k, v, batch, stride, cache, stream);
    case DType::kF16: return Launch<F16Elem>(k, v, batch, stride, cache, stream);
    default: CHECK(false) << "unsupported KV dtype " << DTypeName(cache.dtype);
  }
}

}  // namespace vllm::cuda
