// ggml tensor type ids as GGUF files store them, and how each maps onto the formats the
// kernels read: dense element types (DType) or block quantization (util/block_quant.h).
#pragma once

#include <cstdint>
#include <string>

#include "util/block_quant.h"
#include "util/dtype.h"

namespace vllm {

struct GgmlTypeInfo {
  const char* name = nullptr;    // ggml's spelling; nullptr: an id ggml never assigned
  int64_t block_elems = 0;       // values per block (1 for plain element types)
  int64_t block_bytes = 0;       // bytes per block; 0: known name, layout not read here
  bool dense = false;            // stored as plain elements of `dtype`
  DType dtype = DType::kF32;
  BlockQuant block = BlockQuant::kNone;
};

// Info for a ggml type id (name == nullptr for ids ggml never used).
GgmlTypeInfo GgmlType(uint32_t id);

// "Q4_K (12)" / "type 99" for messages.
std::string GgmlTypeLabel(uint32_t id);

// The ggml types weights may have here, for error messages.
const char* SupportedGgmlTypes();

}  // namespace vllm
