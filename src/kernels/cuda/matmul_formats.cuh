// Weight formats as the matmul kernels see them: a "chunk" is 32 consecutive columns of one
// row, kWords u32 words of storage (MLX_FORMAT.md §A2: every 32 affine codes occupy exactly
// BITS words, LSB first, so chunks never split a group and loads stay word aligned).
//   affine BITS:  32 codes in BITS words   (8-bit: 32 B, 4-bit: 16 B, 3-bit: 12 B, ...)
//   dense bf16/f16: 32 elements in 16 words; dense f32: 32 words
// Value(w, j) returns column j of the chunk as f32: the code q itself for affine weights (the
// kernels apply scale and bias per group), the weight for dense ones. j is a compile-time
// constant in every caller, so the shifts fold away.
#pragma once

#include <cstdint>

#include "kernels/cuda/device_math.cuh"

namespace vllm::cuda {

template <int BITS>
struct AffineFmt {
  static constexpr bool kAffine = true;
  static constexpr int kWords = BITS;
  static constexpr int kBits = BITS;
  static __device__ __forceinline__ uint32_t Code(const uint32_t* w, int j) {
    const int bit = j * BITS, word = bit >> 5, off = bit & 31;
    uint32_t v = w[word] >> off;
    if (off + BITS > 32) v |= w[word + 1] << (32 - off);
    return v & ((1u << BITS) - 1u);
  }
  // 2^23 + q as a float bit pattern minus 2^23: exact for q < 2^23, and an integer op plus an
  // FADD instead of the slower I2F conversion.
  static __device__ __forceinline__ float Value(const uint32_t* w, int j) {
    return __uint_as_float(0x4B000000u | Code(w, j)) - 8388608.f;
  }
};

template <class E>
struct DenseFmt {
  static constexpr bool kAffine = false;
  static constexpr int kWords = 32 * static_cast<int>(sizeof(typename E::T)) / 4;
  static constexpr int kBits = 8 * static_cast<int>(sizeof(typename E::T));
  static __device__ __forceinline__ float Value(const uint32_t* w, int j) {
    if constexpr (sizeof(typename E::T) == 4) {
      return __uint_as_float(w[j]);
    } else {
      return E::Load(static_cast<uint16_t>(w[j >> 1] >> (16 * (j & 1))));
    }
  }
};

// kWords consecutive words from global memory with the widest loads their alignment allows
// (rows of 8/4-bit codes and dense 16-bit rows: 16-byte loads; 2/6-bit: 8-byte; 3/5-bit: 4).
template <int W>
__device__ __forceinline__ void LoadWords(const uint32_t* __restrict__ p, uint32_t* w) {
  if constexpr (W % 4 == 0) {
#pragma unroll
    for (int i = 0; i < W / 4; ++i) {
      const uint4 v = __ldg(reinterpret_cast<const uint4*>(p) + i);
      w[4 * i] = v.x, w[4 * i + 1] = v.y, w[4 * i + 2] = v.z, w[4 * i + 3] = v.w;
    }
  } else if constexpr (W % 2 == 0) {
#pragma unroll
    for (int i = 0; i < W / 2; ++i) {
      const uint2 v = __ldg(reinterpret_cast<const uint2*>(p) + i);
      w[2 * i] = v.x, w[2 * i + 1] = v.y;
    }
  } else {
#pragma unroll
    for (int i = 0; i < W; ++i) w[i] = __ldg(p + i);
  }
}

// Sum of one 32-column chunk of x held as float4s by 8 consecutive lanes (lane % 8 = quad):
// every lane of the 8 gets the same bits. Both matmul kernels stage x this way.
__device__ __forceinline__ float ChunkSum(float4 v) {
  float s = (v.x + v.y) + (v.z + v.w);
  s += __shfl_xor_sync(0xffffffffu, s, 1);
  s += __shfl_xor_sync(0xffffffffu, s, 2);
  s += __shfl_xor_sync(0xffffffffu, s, 4);
  return s;
}

// One job of a (possibly shared-input) matmul launch, as plain device-side data.
struct MatJob {
  const unsigned char* data;  // row r starts at data + r * row_bytes
  const void* scales;         // affine: [rows, groups] in param_dtype
  const void* biases;
  const float* bias;          // optional Linear bias [rows], or null
  float* y;                   // [m, rows]
  int64_t row_bytes;
  int rows;
  int groups;                 // groups per row (affine)
  int group_chunks;           // group_size / 32 (affine)
  int param_dtype;            // 0 f32, 1 bf16, 2 f16
};

// A launch's jobs: blocks [block_begin[j], block_begin[j+1]) of the grid's row dimension work
// on job j.
struct MatJobs {
  MatJob job[4];
  int block_begin[5];
  int num_jobs;
};

__device__ __forceinline__ int FindJob(const MatJobs& jobs, int block) {
  int j = 0;
#pragma unroll
  for (int i = 1; i < 4; ++i)
    if (i < jobs.num_jobs && block >= jobs.block_begin[i]) j = i;
  return j;
}

}  // namespace vllm::cuda
