// GEMV / small-m matmul on CUDA cores: the decode path, bound by weight bytes.
//
//   grid.x: row blocks of every job (MatJobs), grid.y: tiles of MT tokens (m > MT: one launch
//   for any number of decode rows; the tiles after the first read the weights from L2),
//   block: `warps` warps, each owning R rows.
//   For each 1024-column tile: every lane owns one 32-column chunk of its R rows (16-byte
//   loads where the format allows, issued before the x tile is staged so they are in flight
//   together); the CTA stages x[MT, 1024] in shared memory as [token][quad][chunk] (float4
//   reads conflict-free) with the sum of x per (token, chunk).
//   Affine numerics (the CPU's fused path): per chunk d = sum_j q_j x_j in f32 with exact
//   codes, y += s_g d + b_g sum(x_chunk); a chunk never straddles a group (gs >= 32).
//   Each lane keeps partial sums; one fixed-order warp reduction per output at the end.
// A token's arithmetic does not depend on MT, R, its tile or the block size, so results for a
// token do not change with the other tokens of the batch.
#pragma once

#include "kernels/cuda/matmul_formats.cuh"

namespace vllm::cuda {

constexpr int kGemvTileChunks = 32;  // one chunk per lane per column tile (1024 columns)

// Rows per warp: enough independent loads in flight, bounded by registers (weights R*kWords,
// accumulators 2*R*MT).
template <class Fmt, int MT>
__host__ __device__ constexpr int GemvRowsPerWarp() {
  int r = 32 / Fmt::kWords;
  if (16 / MT < r) r = 16 / MT;
  if (r > 4) r = 4;
  return r < 1 ? 1 : r;
}

// Chunk c of row `row` into w: vector loads when the chunk is whole and aligned, else element
// by element with zeros past `cols` (dense rows of any length).
template <class Fmt>
__device__ __forceinline__ void LoadChunk(const MatJob& job, int row, int c, int cols, bool vec_ok,
                                          uint32_t* w) {
  const unsigned char* base = job.data + row * job.row_bytes;
  if (Fmt::kAffine || (vec_ok && c * 32 + 32 <= cols)) {
    LoadWords<Fmt::kWords>(reinterpret_cast<const uint32_t*>(base + static_cast<int64_t>(c) * Fmt::kWords * 4), w);
    return;
  }
  constexpr int kElem = Fmt::kBits / 8;
#pragma unroll
  for (int i = 0; i < Fmt::kWords; ++i) w[i] = 0;
#pragma unroll
  for (int j = 0; j < 32; ++j) {
    const int e = c * 32 + j;
    if (e < cols) {
      if constexpr (kElem == 4) {
        w[j] = __ldg(reinterpret_cast<const uint32_t*>(base) + e);
      } else {
        const uint32_t h = __ldg(reinterpret_cast<const unsigned short*>(base) + e);
        w[j >> 1] |= h << (16 * (j & 1));
      }
    }
  }
}

template <class Fmt, int MT>
__global__ void __launch_bounds__(256, 1) GemvKernel(MatJobs jobs, const float* __restrict__ x, int m, int cols,
                                                  bool w_vec, bool x_vec) {
  constexpr int R = GemvRowsPerWarp<Fmt, MT>();
  constexpr int W = Fmt::kWords;
  __shared__ float4 xs[MT][8][kGemvTileChunks];
  __shared__ float xsum[MT][kGemvTileChunks];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  // This block's token tile: tokens [t0, t0 + MT) of the m.
  const int t0 = blockIdx.y * MT;
  x += static_cast<int64_t>(t0) * cols;
  m -= t0;
  const int jid = FindJob(jobs, blockIdx.x);
  const MatJob& job = jobs.job[jid];
  const int row0 = ((blockIdx.x - jobs.block_begin[jid]) * warps + warp) * R;
  const int num_chunks = (cols + 31) / 32;
  float acc[R][MT];
#pragma unroll
  for (int r = 0; r < R; ++r)
#pragma unroll
    for (int t = 0; t < MT; ++t) acc[r][t] = 0.f;

  for (int c0 = 0; c0 < num_chunks; c0 += kGemvTileChunks) {
    const int c = c0 + lane;
    const bool chunk_ok = c < num_chunks;
    uint32_t w[R][W];
#pragma unroll
    for (int r = 0; r < R; ++r) {
      if (chunk_ok && row0 + r < job.rows) {
        LoadChunk<Fmt>(job, row0 + r, c, cols, w_vec, w[r]);
      } else {
#pragma unroll
        for (int i = 0; i < W; ++i) w[r][i] = 0;
      }
    }
    __syncthreads();  // the previous tile's x is no longer read
    for (int i = threadIdx.x; i < MT * 256; i += blockDim.x) {
      const int t = i >> 8, f = i & 255, ch = f >> 3, q = f & 7;
      const int col = (c0 + ch) * 32 + q * 4;
      float4 v = make_float4(0.f, 0.f, 0.f, 0.f);
      if (t < m && col < cols) {
        const float* src = x + static_cast<int64_t>(t) * cols + col;
        if (x_vec) {
          v = __ldg(reinterpret_cast<const float4*>(src));
        } else {
          v.x = src[0];
          if (col + 1 < cols) v.y = src[1];
          if (col + 2 < cols) v.z = src[2];
          if (col + 3 < cols) v.w = src[3];
        }
      }
      xs[t][q][ch] = v;
      const float s = ChunkSum(v);
      if (q == 0) xsum[t][ch] = s;
    }
    __syncthreads();
    if (!chunk_ok) continue;
    float d[R][MT];
#pragma unroll
    for (int r = 0; r < R; ++r)
#pragma unroll
      for (int t = 0; t < MT; ++t) d[r][t] = 0.f;
#pragma unroll
    for (int q = 0; q < 8; ++q) {
      float4 xq[MT];
#pragma unroll
      for (int t = 0; t < MT; ++t) xq[t] = xs[t][q][lane];
#pragma unroll
      for (int r = 0; r < R; ++r) {
        const float v0 = Fmt::Value(w[r], 4 * q), v1 = Fmt::Value(w[r], 4 * q + 1);
        const float v2 = Fmt::Value(w[r], 4 * q + 2), v3 = Fmt::Value(w[r], 4 * q + 3);
#pragma unroll
        for (int t = 0; t < MT; ++t) {
          float s = d[r][t];
          s = fmaf(v0, xq[t].x, s);
          s = fmaf(v1, xq[t].y, s);
          s = fmaf(v2, xq[t].z, s);
          s = fmaf(v3, xq[t].w, s);
          d[r][t] = s;
        }
      }
    }
#pragma unroll
    for (int r = 0; r < R; ++r) {
      if constexpr (Fmt::kAffine) {
        if (row0 + r >= job.rows) continue;
        const int64_t gi = static_cast<int64_t>(row0 + r) * job.groups + c / job.group_chunks;
        const float sc = LoadParam(job.scales, gi, job.param_dtype);
        const float bi = LoadParam(job.biases, gi, job.param_dtype);
#pragma unroll
        for (int t = 0; t < MT; ++t) acc[r][t] += fmaf(sc, d[r][t], bi * xsum[t][lane]);
      } else {
#pragma unroll
        for (int t = 0; t < MT; ++t) acc[r][t] += d[r][t];
      }
    }
  }
#pragma unroll
  for (int r = 0; r < R; ++r) {
    const int row = row0 + r;
#pragma unroll
    for (int t = 0; t < MT; ++t) {
      const float v = WarpSum(acc[r][t]);
      if (lane == t && t < m && row < job.rows)
        job.y[static_cast<int64_t>(t0 + t) * job.rows + row] = v + (job.bias ? job.bias[row] : 0.f);
    }
  }
}

}  // namespace vllm::cuda
