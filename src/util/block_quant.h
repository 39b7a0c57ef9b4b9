// GGUF (llama.cpp / ggml) block quantization formats, as stored: a row of `cols` values is
// cols / Elems() blocks of Bytes() bytes each, and every block carries its own scale(s), so
// a row (and any row range) is self-contained. Layouts (ggml's block_* structs, all
// little-endian, f16 = IEEE half):
//   Q4_0  32 values, 18 B: d f16 | qs[16] (lo nibble: value j, hi nibble: value j+16)   w = d (q - 8)
//   Q4_1  32 values, 20 B: d f16 | m f16 | qs[16]                                       w = d q + m
//   Q5_0  32 values, 22 B: d f16 | qh u32 (5th bits) | qs[16]                            w = d (q - 16)
//   Q5_1  32 values, 24 B: d f16 | m f16 | qh u32 | qs[16]                               w = d q + m
//   Q8_0  32 values, 34 B: d f16 | qs[32] int8                                          w = d q
//   Q2_K 256 values, 84 B: scales[16] (lo 4 bits scale, hi 4 bits min) | qs[64] | d | dmin
//   Q3_K 256 values,110 B: hmask[32] | qs[64] | scales[12] (16 x 6-bit, offset 32) | d
//   Q4_K 256 values,144 B: d | dmin | scales[12] (8 x 6-bit scale + 8 x 6-bit min) | qs[128]
//   Q5_K 256 values,176 B: d | dmin | scales[12] | qh[32] | qs[128]
//   Q6_K 256 values,210 B: ql[128] | qh[64] | scales[16] int8 | d
// kernels/cpu/block_dequant.h decodes them.
#pragma once

#include <cstdint>
#include <string_view>

namespace vllm {

enum class BlockQuant : uint8_t { kNone, kQ4_0, kQ4_1, kQ5_0, kQ5_1, kQ8_0, kQ2_K, kQ3_K, kQ4_K, kQ5_K, kQ6_K };

// Values per block (0 for kNone).
inline int64_t BlockElems(BlockQuant q) {
  switch (q) {
    case BlockQuant::kNone: return 0;
    case BlockQuant::kQ4_0: case BlockQuant::kQ4_1: case BlockQuant::kQ5_0: case BlockQuant::kQ5_1:
    case BlockQuant::kQ8_0: return 32;
    default: return 256;
  }
}

// Bytes per block (0 for kNone).
inline int64_t BlockBytes(BlockQuant q) {
  switch (q) {
    case BlockQuant::kNone: return 0;
    case BlockQuant::kQ4_0: return 18;
    case BlockQuant::kQ4_1: return 20;
    case BlockQuant::kQ5_0: return 22;
    case BlockQuant::kQ5_1: return 24;
    case BlockQuant::kQ8_0: return 34;
    case BlockQuant::kQ2_K: return 84;
    case BlockQuant::kQ3_K: return 110;
    case BlockQuant::kQ4_K: return 144;
    case BlockQuant::kQ5_K: return 176;
    case BlockQuant::kQ6_K: return 210;
  }
  return 0;
}

// ggml's spelling ("Q4_K", ...).
inline std::string_view BlockQuantName(BlockQuant q) {
  switch (q) {
    case BlockQuant::kNone: return "none";
    case BlockQuant::kQ4_0: return "Q4_0";
    case BlockQuant::kQ4_1: return "Q4_1";
    case BlockQuant::kQ5_0: return "Q5_0";
    case BlockQuant::kQ5_1: return "Q5_1";
    case BlockQuant::kQ8_0: return "Q8_0";
    case BlockQuant::kQ2_K: return "Q2_K";
    case BlockQuant::kQ3_K: return "Q3_K";
    case BlockQuant::kQ4_K: return "Q4_K";
    case BlockQuant::kQ5_K: return "Q5_K";
    case BlockQuant::kQ6_K: return "Q6_K";
  }
  return "?";
}

}  // namespace vllm
