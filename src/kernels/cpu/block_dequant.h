// Decoding GGUF block-quantized rows (util/block_quant.h gives the layouts) to f32, bit for bit
// as ggml's dequantize_row_* and the `gguf` package's gguf.quants compute them: every product
// and difference is rounded to f32 in ggml's order (this file's .cc is compiled with
// -ffp-contract=off so no multiply-add is fused).
#pragma once

#include <cstdint>

#include "util/block_quant.h"

namespace vllm::cpu {

// out[cols] = the row `row` (cols / BlockElems(q) blocks). Precondition: cols % BlockElems(q) == 0.
void DequantBlockRow(BlockQuant q, const uint8_t* row, int64_t cols, float* out);

// The 6-bit scale and min of sub-block j (0..7) of a Q4_K / Q5_K block's scales[12].
inline void KQuantScaleMin(int j, const uint8_t* s, uint8_t* scale, uint8_t* min) {
  if (j < 4) {
    *scale = s[j] & 63;
    *min = s[j + 4] & 63;
  } else {
    *scale = static_cast<uint8_t>((s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4));
    *min = static_cast<uint8_t>((s[j + 4] >> 4) | ((s[j] >> 6) << 4));
  }
}

}  // namespace vllm::cpu
