// One weight matrix W [out, in] as the kernels consume it: dense (f32 / f16 / bf16, as stored)
// or MLX affine-quantized (MLX_FORMAT.md §A): per row, `in/group_size` groups, each
// w = scale * q + bias with q an unsigned `bits`-wide code packed LSB-first into u32 words.
// Linear layers and embeddings (and tied output projections) share this type.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string>

#include "util/aligned_buffer.h"
#include "util/dtype.h"
#include "util/half.h"

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
  // Quantized: [rows, cols/group_size] in scale_dtype, kept as the checkpoint stores them
  // (bf16 / f16 / f32): widening to f32 would add 4 bytes per group to every decode step's
  // memory traffic (6% of an 8-bit g64 model). Kernels widen one row at a time (GroupParams).
  AlignedBuffer scales;
  AlignedBuffer biases;
  DType scale_dtype = DType::kF32;
  AlignedBuffer bias;    // optional Linear bias, f32 [rows]; empty when absent

  int64_t words_per_row() const { return cols * bits / 32; }
  int64_t groups_per_row() const { return cols / group_size; }
  bool has_bias() const { return !bias.empty(); }
  // Bytes the kernels read for one full pass over W (the decode bandwidth floor).
  size_t StoredBytes() const {
    return data.size() + scales.size() + biases.size() + bias.size();
  }
};

// Row r's scales and biases widened to f32 (groups_per_row() each).
inline void GroupParams(const WeightMatrix& w, int64_t r, float* scales, float* biases) {
  const int64_t G = w.groups_per_row(), off = r * G;
  switch (w.scale_dtype) {
    case DType::kF32:
      for (int64_t g = 0; g < G; ++g) scales[g] = w.scales.data<float>()[off + g], biases[g] = w.biases.data<float>()[off + g];
      return;
    case DType::kBF16:
      for (int64_t g = 0; g < G; ++g)
        scales[g] = Bf16ToF32(w.scales.data<uint16_t>()[off + g]), biases[g] = Bf16ToF32(w.biases.data<uint16_t>()[off + g]);
      return;
    case DType::kF16:
      for (int64_t g = 0; g < G; ++g)
        scales[g] = F16ToF32(w.scales.data<uint16_t>()[off + g]), biases[g] = F16ToF32(w.biases.data<uint16_t>()[off + g]);
      return;
    default:
      std::abort();  // the loader admits only the three float dtypes
  }
}

}  // namespace vllm
