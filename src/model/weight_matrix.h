// One weight matrix W [out, in] as the kernels consume it: dense (f32 / f16 / bf16, as stored)
// or MLX affine-quantized (MLX_FORMAT.md §A): per row, `in/group_size` groups, each
// w = scale * q + bias with q an unsigned `bits`-wide code packed LSB-first into u32 words.
// Linear layers and embeddings (and tied output projections) share this type.
#pragma once

#include <cstdint>
#include <string>

#include "util/aligned_buffer.h"
#include "util/dtype.h"

namespace vllm {

struct WeightMatrix {
  std::string name;  // module path, e.g. "model.layers.0.self_attn.q_proj"
  int64_t rows = 0;  // out
  int64_t cols = 0;  // in
  bool quantized = false;
  DType dtype = DType::kF32;  // dense element type
  int bits = 0;
  int group_size = 0;
  AlignedBuffer data;    // dense: rows*cols elements; quantized: rows * words_per_row() u32
  AlignedBuffer scales;  // quantized: f32 [rows, cols/group_size] (exact widening of bf16/f16)
  AlignedBuffer biases;  // quantized: f32 [rows, cols/group_size]
  AlignedBuffer bias;    // optional Linear bias, f32 [rows]; empty when absent

  int64_t words_per_row() const { return cols * bits / 32; }
  int64_t groups_per_row() const { return cols / group_size; }
  bool has_bias() const { return !bias.empty(); }
  // Bytes the kernels read for one full pass over W (the decode bandwidth floor).
  size_t StoredBytes() const {
    return data.size() + scales.size() + biases.size() + bias.size();
  }
};

}  // namespace vllm
