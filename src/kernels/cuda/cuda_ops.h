// The CUDA kernels behind the backend seam (kernels/cpu/cpu_ops.h's operations, same semantics): what
// CudaBackend calls. Plain C++ (no CUDA header), so host code built by g++ includes it.
//
// Contract for every function here:
//  - every pointer is a DEVICE pointer (WeightMatrix/BatchView/KvLayer too), except the
//    MatMulJob array itself and the WeightMatrix structs, which live on the host;
//  - work is enqueued on `stream` (nullptr = the legacy default stream) and nothing waits;
//  - activations are f32 row-major; nothing is allocated: kernels that need scratch take it
//    as an argument sized by the matching ...ScratchBytes() function;
//  - a CUDA error aborts with file:line and cudaGetErrorString (cuda_check.h), as CHECK does.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/batch_view.h"
#include "kernels/kv_layer.h"
#include "kernels/moe.h"
#include "kernels/weight_matrix.h"

struct CUstream_st;

namespace vllm::cuda {

using Stream = CUstream_st*;

// ---- matmul (matmul_gemv.cu, matmul_mma.cu) -----------------------------------------------
// y[m, W.rows] = x[m, W.cols] @ W^T (+ W.bias). Dense f32/f16/bf16 or MLX affine W (bits
// 2/3/4/5/6/8, groups 32/64/128, scales/biases f32/bf16/f16). Numerics as the CPU's fused
// path: codes exact, per group acc = sum(q*x) in f32, y += s*acc + b*sum(x).
//  - rows [0, decode_rows) (decode tokens): CUDA-core GEMV, f32 throughout (agrees with the
//    CPU to f32 rounding), launched over 8-row tiles.
//  - the other rows (prompt tokens), affine or bf16 W: mma.sync bf16 tensor cores, f32
//    accumulation; x rounded to bf16 is the only deviation (codes and bf16 weights are exact
//    in bf16). f16/f32 W: the GEMV over 8-row tiles (exact weights, slower).
// Batch invariant: a row's result depends on its own x row and its class alone, never on m
// or the other rows (no atomics, every output summed in a fixed order).
void MatMul(const WeightMatrix& w, const float* x, int64_t m, int64_t decode_rows, float* y, Stream stream);

// Several y_i = x @ W_i^T over the same x (q|k|v, gate|up) in one launch. All W_i have the
// same cols. At most kMaxSharedJobs jobs.
using MatMulJob = vllm::MatMulJob;  // kernels/weight_matrix.h
inline constexpr int kMaxSharedJobs = 4;
void MatMulShared(const MatMulJob* jobs, int n, const float* x, int64_t m, int64_t decode_rows, Stream stream);

// ---- rows (embedding.cu) ------------------------------------------------------------------
// out[i, W.cols] = row ids[i] of W, dense widened or affine dequantized as w = s*q + b in f32
// with the CPU's rounding (a product, then a sum: bit-identical to cpu::LoadRow).
// ids outside [0, W.rows) are a programmer error: the row is filled with NaN.
void EmbeddingLookup(const WeightMatrix& w, const int32_t* ids, int64_t n, float* out, Stream stream);

// dst[i, dim] = src[indices[i], dim] (logits rows, hidden rows of the sampled tokens).
void GatherRows(const float* src, const int32_t* indices, int64_t n, int64_t dim, float* dst,
                Stream stream);

// ---- elementwise (elementwise.cu) ---------------------------------------------------------
// y = x * rsqrt(mean(x^2) + eps) * weight per row of dim; in place allowed.
void RmsNorm(const float* x, const float* weight, int64_t rows, int64_t dim, float eps, float* y,
             Stream stream);
// x += y (x keeps the sum), then out = RmsNorm(x, weight). out overlaps neither x nor y.
void AddRmsNorm(float* x, const float* y, const float* weight, int64_t rows, int64_t dim, float eps,
                float* out, Stream stream);
// Rotates each head of x[t, num_heads, head_dim] by positions[t], rotate-half pairs
// (i, i + head_dim/2); inv_freq[head_dim/2] (device) holds the (scaled) frequencies.
void ApplyRope(float* x, const int32_t* positions, int64_t num_tokens, int64_t num_heads,
               int64_t head_dim, const float* inv_freq, Stream stream);
// out = silu(gate) * up over n values.
void SiluMul(const float* gate, const float* up, int64_t n, float* out, Stream stream);
// x += y over n values.
void AddInPlace(float* x, const float* y, int64_t n, Stream stream);

// ---- mixture of experts (moe.cu) ---------------------------------------------------------
// logits [T, E] -> ids [T, k], weights [T, k] per RouterParams (kernels/moe.h): cpu/moe.cc's
// sums and top-k scan (ties and NaN keep the lower id). E <= kMaxRouterExperts.
inline constexpr int64_t kMaxRouterExperts = 4096;
void RouterTopK(const float* logits, int64_t num_tokens, const RouterParams& p, int32_t* ids, float* weights,
                Stream stream);
// out = relu(x)^2 over n values (nemotron_h experts); in place allowed.
void Relu2(const float* x, int64_t n, float* out, Stream stream);
// out[t, :] = sum_j weights[t, j] * ys[pos[t, j], :] (+ shared[t, :] when not null), j in order.
// ys: [rows, hidden] expert outputs; pos [T, k] the row of each (token, slot) pair.
void MoeCombine(const float* ys, const int32_t* pos, const float* weights, const float* shared, int64_t num_tokens,
                int64_t hidden, int64_t top_k, float* out, Stream stream);

// ---- attention (kv_cache.cu, attention.cu) ------------------------------------------------
// Writes k, v [T, num_kv_heads*head_dim] into the paged caches at batch.slot_mapping,
// rounding to the cache dtype (f32/bf16/f16, round-to-nearest-even); slot -1 is skipped.
void WriteKvCache(const float* k, const float* v, const BatchView& batch, const AttentionShape& s,
                  KvLayer cache, Stream stream);

// Causal GQA attention for every token of a batch (decode, prefill or mixed): token t of
// sequence batch.token_seq[t] attends to positions [0, positions[t]] through its block table.
// q, out: [T, num_heads*head_dim]. head_dim 64 or 128, num_heads/num_kv_heads <= 8.
// Each token's context is split into chunks whose count depends only on that token's own
// context length (decided on the device), partial softmax states go to `scratch`, a combine
// kernel merges them in a fixed order: a sequence's result is bit-identical whatever else is
// in the batch. Tokens with positions[t] < 0 (padding) produce zeros.
size_t PagedAttentionScratchBytes(int64_t num_tokens, const AttentionShape& s);
void PagedAttention(const float* q, KvLayer cache, const BatchView& batch, const AttentionShape& s,
                    float* out, void* scratch, size_t scratch_bytes, Stream stream);

// ---- sampling (argmax.cu, sample.cu) -----------------------------------------------------------------
// out_ids[r] = the index of the largest logits[r, :] (lowest index on ties; NaN never wins,
// and a NaN at index 0 gives 0: sampler/basic_sampler.h ArgMax exactly).
void ArgMaxRows(const float* logits, int64_t rows, int64_t vocab, int32_t* out_ids, Stream stream);

// One row's random-sampling parameters (sampler/sampling_batch.h columns), in device memory.
struct DeviceSampleRow {
  float temperature, top_p, min_p;
  int32_t top_k;
  uint64_t seed;      // Philox key
  int32_t position;   // Philox counter: the output index of the token drawn
  int32_t active;     // 0: the row is not sampled here (out_ids[r] untouched)
};

// sample.cu: for each active row, the CPU sampler's random draw (temperature, top-k, top-p,
// min-p, Philox(seed, position)) over ascending ids; out_ids[r] written unless the row has no
// positive finite mass (the caller writes ArgMaxRows first: the CPU's fallback). Scales the
// row by 1/temperature in place.
void SampleRows(float* logits, int64_t rows, int64_t vocab, const DeviceSampleRow* params, int32_t* out_ids,
                Stream stream);

}  // namespace vllm::cuda
