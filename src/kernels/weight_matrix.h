// One weight matrix W [out, in] as the kernels consume it: a non-owning view (the model's
// weight arena owns the bytes, on the backend's device). Dense (f32 / f16 / bf16, as stored)
// or MLX affine-quantized (MLX_FORMAT.md §A): per row, `in/group_size` groups, each
// w = scale * q + bias with q an unsigned `bits`-wide code packed LSB-first into u32 words.
// Linear layers and embeddings (and tied output projections) share this type; Rows() makes
// the view of a row range (one expert of a stacked [E*out, in] tensor, a tensor-parallel shard).
// GGUF block formats (util/block_quant.h: Q8_0, Q4_K, ...) are a third kind: `block` names the
// format, `quantized` stays false (that flag means MLX affine), and `data` holds rows of
// cols / BlockElems blocks as the file stores them.
#pragma once

#include <cstdint>

#include "kernels/device_buffer.h"
#include "util/block_quant.h"
#include "util/dtype.h"

namespace vllm {

struct WeightMatrix {
  int64_t rows = 0;  // out
  int64_t cols = 0;  // in
  bool quantized = false;
  DType dtype = DType::kF32;  // dense element type
  int bits = 0;
  int group_size = 0;
  BufferView data;  // dense: rows*cols elements; quantized: rows * words_per_row() u32
  // Quantized: [rows, cols/group_size] in scale_dtype, kept as the checkpoint stores them
  // (bf16 / f16 / f32): widening to f32 would add 4 bytes per group to every decode step's
  // memory traffic (6% of an 8-bit g64 model). Kernels widen one row at a time.
  BufferView scales;
  BufferView biases;
  DType scale_dtype = DType::kF32;
  BufferView bias;  // optional Linear bias, f32 [rows]; empty when absent
  BlockQuant block = BlockQuant::kNone;  // GGUF block format; kNone: dense or affine

  bool block_quantized() const { return block != BlockQuant::kNone; }

  int64_t words_per_row() const { return cols * bits / 32; }
  int64_t groups_per_row() const { return cols / group_size; }
  bool has_bias() const { return !bias.empty(); }
  // Bytes of one row of `data`.
  size_t RowBytes() const {
    if (block_quantized()) return static_cast<size_t>(cols / BlockElems(block) * BlockBytes(block));
    return quantized ? static_cast<size_t>(words_per_row()) * 4
                     : static_cast<size_t>(cols) * DTypeSize(dtype);
  }
  // Bytes the kernels read for one full pass over W (the decode bandwidth floor).
  size_t StoredBytes() const { return data.size() + scales.size() + biases.size() + bias.size(); }

  // Rows [begin, begin + n) as a matrix of their own. Precondition: begin + n <= rows.
  WeightMatrix Rows(int64_t begin, int64_t n) const {
    WeightMatrix v = *this;
    v.rows = n;
    v.data = data.Slice(static_cast<size_t>(begin) * RowBytes(), static_cast<size_t>(n) * RowBytes());
    if (quantized) {
      const size_t g = static_cast<size_t>(groups_per_row()) * DTypeSize(scale_dtype);
      v.scales = scales.Slice(static_cast<size_t>(begin) * g, static_cast<size_t>(n) * g);
      v.biases = biases.Slice(static_cast<size_t>(begin) * g, static_cast<size_t>(n) * g);
    }
    if (has_bias()) v.bias = bias.Slice(static_cast<size_t>(begin) * 4, static_cast<size_t>(n) * 4);
    return v;
  }
};

// One y = x @ W^T of a MatMulShared pass (q|k|v or gate|up over the same x).
struct MatMulJob {
  const WeightMatrix* w;
  float* y;  // [m, w->rows]
};

// One y = x @ W^T of a MatMulGrouped pass, each job with its own x and token count (the
// experts of a MoE layer, each over the tokens routed to it).
struct GroupedMatMulJob {
  const WeightMatrix* w;
  const float* x;  // [m, w->cols]
  int64_t m;
  float* y;        // [m, w->rows]
};

}  // namespace vllm
