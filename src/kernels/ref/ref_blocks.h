// Naive reference decoding of the GGUF block formats (util/block_quant.h), for tests only:
// each value is computed on its own from the bit positions the format assigns it, in double,
// sharing no code with kernels/cpu/block_dequant.cc (which decodes whole blocks in loops).
#pragma once

#include <cstdint>

#include "util/block_quant.h"

namespace vllm::ref {

// Value j (0 <= j < BlockElems(q)) of the block starting at `block`.
double BlockValue(BlockQuant q, const uint8_t* block, int j);

}  // namespace vllm::ref
