// Device helpers shared by the kernels: 16-bit float widening, the three activation/cache
// element types, warp reductions. Header-only (each .cu is its own translation unit).
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>

namespace vllm::cuda {

__device__ __forceinline__ float Bf16Bits(uint16_t h) { return __uint_as_float(static_cast<uint32_t>(h) << 16); }
__device__ __forceinline__ float F16Bits(uint16_t h) { return __half2float(__ushort_as_half(h)); }

// Element types of dense weights and KV caches: load one as f32, store f32 rounded to it
// (round-to-nearest-even, as util/half.h does on the host).
struct F32Elem {
  using T = float;
  static __device__ __forceinline__ float Load(T v) { return v; }
  static __device__ __forceinline__ T Store(float v) { return v; }
};
struct Bf16Elem {
  using T = uint16_t;
  static __device__ __forceinline__ float Load(T v) { return Bf16Bits(v); }
  static __device__ __forceinline__ T Store(float v) { return __bfloat16_as_ushort(__float2bfloat16_rn(v)); }
};
struct F16Elem {
  using T = uint16_t;
  static __device__ __forceinline__ float Load(T v) { return F16Bits(v); }
  static __device__ __forceinline__ T Store(float v) { return __half_as_ushort(__float2half_rn(v)); }
};

// One group scale or bias stored as dtype code (0 f32, 1 bf16, 2 f16), widened to f32.
__device__ __forceinline__ float LoadParam(const void* base, int64_t i, int dtype) {
  if (dtype == 0) return static_cast<const float*>(base)[i];
  const uint16_t h = static_cast<const uint16_t*>(base)[i];
  return dtype == 1 ? Bf16Bits(h) : F16Bits(h);
}

__device__ __forceinline__ float WarpSum(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}
__device__ __forceinline__ float WarpMax(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// Sum over the block (blockDim.x a multiple of 32, <= 1024) in a fixed order: every thread
// gets the same bits whatever the scheduling. `shared` holds 32 floats.
__device__ __forceinline__ float BlockSum(float v, float* shared) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  v = WarpSum(v);
  __syncthreads();  // `shared` may still be read by a previous call
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  float t = lane < warps ? shared[lane] : 0.f;
  return WarpSum(t);
}

inline int CeilDiv(int64_t a, int64_t b) { return static_cast<int>((a + b - 1) / b); }

}  // namespace vllm::cuda
