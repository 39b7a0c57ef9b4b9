// The CPU implementations of the backend's operations (kernels/backend.h declares the
// boundary; CpuBackend calls these). Naive references live in ref/ (tests only). Kernels
// allocate nothing on the hot path; per-thread scratch (thread_local vectors that grow to the
// largest shape seen) is their only state. Activations are f32, row-major.
#pragma once

#include <cstdint>

#include "kernels/batch_view.h"
#include "kernels/kv_layer.h"
#include "kernels/weight_matrix.h"
#include "util/thread_pool.h"

namespace vllm::cpu {

// y[m, W.rows] = x[m, W.cols] @ W^T (+ W.bias). Works for dense and quantized W.
void MatMul(const WeightMatrix& w, const float* x, int64_t m, float* y, ThreadPool& pool);

// Several y_i = x @ W_i^T over the same x (e.g. q/k/v or gate/up projections) in one
// parallel pass. All W_i must have the same cols.
void MatMulShared(const MatMulJob* jobs, int n, const float* x, int64_t m, ThreadPool& pool);

// Several y_i = x_i @ W_i^T, each over its own x_i [m_i, cols_i], in one parallel pass
// (the experts of a MoE layer). Jobs with m_i = 0 are skipped.
void MatMulGrouped(const GroupedMatMulJob* jobs, int n, ThreadPool& pool);

// x[m, cols] quantized per 32 values as the active target's GGUF int8-activation matmul does
// (matmul_gguf_int8_impl.h; ref::QuantizeQ8Blocks is the scalar reference): codes q[m * cols],
// d and bsum [m * cols / 32]. False (nothing written) where the target has no such path.
bool QuantizeGgufActivations(const float* x, int64_t m, int64_t cols, int8_t* q, float* d, float* bsum);

// out[i, W.cols] = row ids[i] of W (embedding lookup, dequantizing only the gathered rows).
void EmbeddingLookup(const WeightMatrix& w, const int32_t* ids, int64_t n, float* out);

// Row r of W as f32 (dense widening or affine dequantization w = scale * q + bias).
void LoadRow(const WeightMatrix& w, int64_t r, float* out);

// Row r's scales and biases widened to f32 (groups_per_row() each); host memory only.
void GroupParams(const WeightMatrix& w, int64_t r, float* scales, float* biases);

// dst[i, dim] = src[indices[i], dim] for i < n (the rows that need logits).
void GatherRows(const float* src, const int32_t* indices, int64_t n, int64_t dim, float* dst);

// y = x * rsqrt(mean(x^2) + eps) * weight, per row of `dim` values; in place allowed.
void RmsNorm(const float* x, const float* weight, int64_t rows, int64_t dim, float eps, float* y);

// Residual add fused with the RMSNorm after it: x += y (x keeps the sum), then
// out = RmsNorm(x, weight), per row of `dim` values. The same result as AddInPlace then RmsNorm
// with one read of x fewer. out overlaps neither x nor y.
void AddRmsNorm(float* x, const float* y, const float* weight, int64_t rows, int64_t dim, float eps,
                float* out);

// Rotates each head of x[t, num_heads, head_dim] by positions[t] (non-traditional layout:
// pairs (i, i + head_dim/2)). inv_freq has head_dim/2 entries.
void ApplyRope(float* x, const int32_t* positions, int64_t num_tokens, int64_t num_heads,
               int64_t head_dim, const float* inv_freq);

// out = silu(gate) * up, elementwise over n values.
void SiluMul(const float* gate, const float* up, int64_t n, float* out);

// out = gelu_tanh(gate) * up, elementwise over n values (gemma's GLU).
void GeluTanhMul(const float* gate, const float* up, int64_t n, float* out);

// x *= s over n values.
void Scale(float* x, int64_t n, float s);

// x += y over n values.
void AddInPlace(float* x, const float* y, int64_t n);

// Writes k, v [T, num_kv_heads*head_dim] into the paged caches at in.slot_mapping, rounding
// to the cache's dtype (round-to-nearest-even for bf16/f16). Slot -1 (padding) is skipped.
void WriteKvCache(const float* k, const float* v, const BatchView& in, const AttentionShape& s,
                  KvLayer cache);

// Causal GQA attention for every token of a mixed batch, reading K/V through block tables.
// q, out: [T, num_heads*head_dim]. Token t attends to positions [0, positions[t]] of its
// sequence, which must already be in the cache (WriteKvCache first).
void PagedAttention(const float* q, KvLayer cache, const BatchView& in, const AttentionShape& s,
                    float* out, ThreadPool& pool);

}  // namespace vllm::cpu
