// Matmul on bf16 tensor cores for m > 8 (prefill chunks, large decode batches).
//
// Swap-AB: A = 16 weight rows x k16 (codes, exact in bf16), B = k16 x 8 tokens (x rounded to
// bf16: the only deviation from the CPU), C = f32. mma.sync.m16n8k16, per lane (g = lane/4,
// c = lane%4): A rows g, g+8 at k-slots {2c, 2c+1, 2c+8, 2c+9}; B tokens g at the same slots;
// C rows g, g+8 x tokens 2c, 2c+1. The dot product does not care about the order of k, so
// k-slots {2c, 2c+1, 2c+8, 2c+9} of each k16 block hold columns 4c..4c+3: a lane's four
// codes are consecutive in the packed row and its four x values one 8-byte load.
//
//   CTA: 4 warps, 64 rows (16 per warp) x 32 tokens (4 n-tiles); grid (token tiles, row
//   tiles of every job). k-tile: 4 chunks (128 columns): W [64 rows][4*kWords words] and
//   x [32 tokens][128] bf16 (+ per chunk sums of the unrounded x) staged in shared memory.
//   Affine: a fresh C per group; y += s_g C_g at each group end, b_g sum(x_chunk) per chunk
//   (f32 x, as the CPU). Dense bf16: one C over all columns.
#pragma once

#include "kernels/cuda/matmul_formats.cuh"

namespace vllm::cuda {

constexpr int kMmaRows = 64, kMmaTokens = 32, kMmaChunks = 4;
constexpr int kMmaXStride = kMmaChunks * 32 + 16;  // bf16 per token: 8-byte B loads hit 32 banks

__device__ __forceinline__ uint32_t PackBf16(float lo, float hi) {
  const __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
  return *reinterpret_cast<const uint32_t*>(&v);
}

__device__ __forceinline__ void MmaBf16(float* c, const uint32_t* a, uint32_t b0, uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
      "{%0,%1,%2,%3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// Columns p..p+3 of one staged chunk as two bf16x2 registers (lo: p, p+1; hi: p+2, p+3).
template <class Fmt>
__device__ __forceinline__ void FourColumns(const uint32_t* chunk, int p, uint32_t& lo, uint32_t& hi) {
  if constexpr (Fmt::kAffine) {
    constexpr int B = Fmt::kBits;
    const int bit = p * B, word = bit >> 5, off = bit & 31;
    const uint64_t win = (static_cast<uint64_t>(chunk[word + 1]) << 32 | chunk[word]) >> off;
    constexpr uint32_t kMask = (1u << B) - 1u;
    auto q = [&](int i) {
      return __uint_as_float(0x4B000000u | (static_cast<uint32_t>(win >> (i * B)) & kMask)) - 8388608.f;
    };
    lo = PackBf16(q(0), q(1));
    hi = PackBf16(q(2), q(3));
  } else {  // dense bf16: the stored pairs are already the registers
    lo = chunk[p >> 1];
    hi = chunk[(p >> 1) + 1];
  }
}

template <class Fmt>
__global__ void __launch_bounds__(128) MmaKernel(MatJobs jobs, const float* __restrict__ x, int m, int cols,
                                                 bool x_vec) {
  constexpr int W = Fmt::kWords, kTileWords = kMmaChunks * W;
  __shared__ uint32_t ws[kMmaRows][kTileWords + 1];  // +1: FourColumns' 64-bit window
  __shared__ __align__(16) uint16_t xs[kMmaTokens][kMmaXStride];
  __shared__ float xsum[kMmaTokens][kMmaChunks];
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, c4 = lane & 3;
  const int jid = FindJob(jobs, blockIdx.y);
  const MatJob& job = jobs.job[jid];
  const int row0 = (blockIdx.y - jobs.block_begin[jid]) * kMmaRows;
  const int tok0 = blockIdx.x * kMmaTokens;
  const int num_chunks = cols / 32;
  const int ra = row0 + warp * 16 + g, rb = ra + 8;  // this lane's C rows
  float acc[4][4], cf[4][4];
#pragma unroll
  for (int n = 0; n < 4; ++n)
#pragma unroll
    for (int i = 0; i < 4; ++i) acc[n][i] = cf[n][i] = 0.f;

  for (int kc0 = 0; kc0 < num_chunks; kc0 += kMmaChunks) {
    const int nc = min(kMmaChunks, num_chunks - kc0);
    __syncthreads();  // the previous k-tile is no longer read
    for (int i = threadIdx.x; i < kMmaRows * kTileWords; i += blockDim.x) {
      const int r = i / kTileWords, k = i % kTileWords;
      uint32_t v = 0;
      if (row0 + r < job.rows && k < nc * W)
        v = __ldg(reinterpret_cast<const uint32_t*>(job.data + (row0 + r) * job.row_bytes) + kc0 * W + k);
      ws[r][k] = v;
    }
    for (int i = threadIdx.x; i < kMmaTokens * kMmaChunks * 8; i += blockDim.x) {
      const int t = i >> 5, ch = (i >> 3) & 3, q = i & 7;
      const int tok = tok0 + t, col = (kc0 + ch) * 32 + q * 4;
      float4 v = make_float4(0.f, 0.f, 0.f, 0.f);
      if (tok < m && ch < nc) {
        const float* src = x + static_cast<int64_t>(tok) * cols + col;
        v = x_vec ? __ldg(reinterpret_cast<const float4*>(src)) : make_float4(src[0], src[1], src[2], src[3]);
      }
      *reinterpret_cast<uint2*>(&xs[t][ch * 32 + q * 4]) = make_uint2(PackBf16(v.x, v.y), PackBf16(v.z, v.w));
      const float s = ChunkSum(v);
      if (q == 0) xsum[t][ch] = s;
    }
    __syncthreads();
    for (int ch = 0; ch < nc; ++ch) {
#pragma unroll
      for (int kb = 0; kb < 2; ++kb) {
        const int p = kb * 16 + 4 * c4;
        uint32_t a[4];
        FourColumns<Fmt>(&ws[warp * 16 + g][ch * W], p, a[0], a[2]);
        FourColumns<Fmt>(&ws[warp * 16 + g + 8][ch * W], p, a[1], a[3]);
#pragma unroll
        for (int n = 0; n < 4; ++n) {
          const uint2 b = *reinterpret_cast<const uint2*>(&xs[n * 8 + g][ch * 32 + p]);
          MmaBf16(cf[n], a, b.x, b.y);
        }
      }
      if constexpr (Fmt::kAffine) {
        const int gc = kc0 + ch, grp = gc / job.group_chunks;
        const bool group_end = (gc + 1) % job.group_chunks == 0;
        float sa = 0.f, ba = 0.f, sb = 0.f, bb = 0.f;
        if (ra < job.rows) {
          sa = LoadParam(job.scales, static_cast<int64_t>(ra) * job.groups + grp, job.param_dtype);
          ba = LoadParam(job.biases, static_cast<int64_t>(ra) * job.groups + grp, job.param_dtype);
        }
        if (rb < job.rows) {
          sb = LoadParam(job.scales, static_cast<int64_t>(rb) * job.groups + grp, job.param_dtype);
          bb = LoadParam(job.biases, static_cast<int64_t>(rb) * job.groups + grp, job.param_dtype);
        }
#pragma unroll
        for (int n = 0; n < 4; ++n) {
          const float x0 = xsum[n * 8 + 2 * c4][ch], x1 = xsum[n * 8 + 2 * c4 + 1][ch];
          acc[n][0] += ba * x0;
          acc[n][1] += ba * x1;
          acc[n][2] += bb * x0;
          acc[n][3] += bb * x1;
          if (group_end) {
            acc[n][0] += sa * cf[n][0];
            acc[n][1] += sa * cf[n][1];
            acc[n][2] += sb * cf[n][2];
            acc[n][3] += sb * cf[n][3];
#pragma unroll
            for (int i = 0; i < 4; ++i) cf[n][i] = 0.f;
          }
        }
      }
    }
  }
#pragma unroll
  for (int n = 0; n < 4; ++n)
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const int row = i < 2 ? ra : rb, tok = tok0 + n * 8 + 2 * c4 + (i & 1);
      if (row < job.rows && tok < m) {
        const float v = Fmt::kAffine ? acc[n][i] : cf[n][i];
        job.y[static_cast<int64_t>(tok) * job.rows + row] = v + (job.bias ? job.bias[row] : 0.f);
      }
    }
}

}  // namespace vllm::cuda
