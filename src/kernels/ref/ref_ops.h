// Naive reference kernels, used only by tests: written for obviousness, in double, with no
// shared code with cpu/ (the bit unpacking here walks the byte stream one bit at a time).
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/weight_matrix.h"

namespace vllm::ref {

// Row r of W as doubles.
std::vector<double> Row(const WeightMatrix& w, int64_t r);

// y[m, rows] = x[m, cols] @ W^T + bias, in double.
std::vector<double> MatMul(const WeightMatrix& w, const std::vector<float>& x, int64_t m);

// MatMul as the CUDA tensor-core path computes it (kernels/cuda/matmul_mma.cuh): each x
// rounded to bf16 (round to nearest even) where it meets a weight, exact otherwise; for
// affine W the group term b_g * sum(x) uses the unrounded x. Dense f16/f32 W (and bf16 W
// with cols % 32 != 0, which the GEMV takes): plain MatMul.
// The oracle for "bf16 operands are the only deviation".
std::vector<double> MatMulBf16Operands(const WeightMatrix& w, const std::vector<float>& x, int64_t m);

// Same product over |W| and |x|: the scale that f32 rounding error is proportional to.
std::vector<double> MatMulAbs(const WeightMatrix& w, const std::vector<float>& x, int64_t m);

// x[m, cols] quantized per 32 values as the GGUF int8-activation kernels do
// (cpu/matmul_gguf_int8_impl.h): dx = max|x| / 127 (f32), q = nearbyint(x * (127 / max|x|))
// clamped to [-127, 127], bsum = dx * sum q (f32). xhat = dx * q is the x those kernels use.
struct Q8Blocks {
  std::vector<int8_t> q;    // [m * cols]
  std::vector<float> d;     // [m * cols / 32]
  std::vector<float> bsum;  // [m * cols / 32]
  std::vector<float> xhat;  // [m * cols], dx * q rounded to f32 (2^-24 relative: far below the tests' 1e-6)
};
Q8Blocks QuantizeQ8Blocks(const std::vector<float>& x, int64_t m, int64_t cols);

// silu(gate) * up elementwise, in double.
std::vector<double> SiluMul(const std::vector<float>& gate, const std::vector<float>& up);
// gelu_tanh(gate) * up elementwise, in double.
std::vector<double> GeluTanhMul(const std::vector<float>& gate, const std::vector<float>& up);
std::vector<double> RmsNorm(const std::vector<float>& x, const std::vector<float>& w, int64_t dim, double eps);

// x + y elementwise, in double.
std::vector<double> Add(const std::vector<float>& x, const std::vector<float>& y);

// The residual sum s = x + y and RmsNorm(s) per row of dim, both in double.
struct AddRmsNormResult {
  std::vector<double> sum, out;
};
AddRmsNormResult AddRmsNorm(const std::vector<float>& x, const std::vector<float>& y,
                            const std::vector<float>& w, int64_t dim, double eps);

// x[t, heads, head_dim] rotated by positions, rotate-half layout, angles in double.
std::vector<double> Rope(const std::vector<float>& x, const std::vector<int32_t>& positions,
                         int64_t num_heads, int64_t head_dim, const std::vector<float>& inv_freq);

// Causal attention of one sequence over dense K/V [ctx, kv_heads, head_dim]; queries
// q[n, heads, head_dim] sit at positions[i] (each attends to [0, positions[i]], or with
// sliding_window > 0 to (positions[i] - sliding_window, positions[i]]).
std::vector<double> Attention(const std::vector<float>& q, const std::vector<float>& k,
                              const std::vector<float>& v, const std::vector<int32_t>& positions,
                              int64_t num_heads, int64_t num_kv_heads, int64_t head_dim, double scale,
                              int64_t sliding_window = 0);

// A grammar's allowed-token mask applied to one row of logits, a token at a time:
// out[id] = logits[id] if bit id of the mask is set (word id / 32, bit id % 32), else -inf.
std::vector<float> ApplyAllowedMask(const std::vector<float>& logits, const std::vector<uint32_t>& mask);

}  // namespace vllm::ref
