// The cache a model needs, per cache group (DESIGN.md §3):
//   - paged K/V for attention layers: [num_blocks, block_size, num_kv_heads, head_dim] per layer
//     and per K and V, shared between sequences through block ids (prefix caching);
//   - fixed-size per-sequence state for recurrent (state-space) layers: one slot per live
//     sequence, `bytes_per_slot` per such layer, owned with the sequence, never shared.
// Plain data: the runner allocates from it, the KV cache manager counts blocks and slots.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "util/dtype.h"
#include "util/status.h"

namespace vllm {

struct KvCacheSpec {
  int64_t num_layers = 0;  // attention layers
  int64_t num_kv_heads = 0;
  int64_t head_dim = 0;
  int64_t block_size = 16;
  int64_t num_blocks = 0;
  DType dtype = DType::kBF16;  // kF32, kBF16 or kF16

  int64_t SlotStride() const { return num_kv_heads * head_dim; }  // elements per token slot
  size_t BytesPerLayer() const {
    return static_cast<size_t>(num_blocks * block_size * SlotStride()) * DTypeSize(dtype);
  }
  size_t TotalBytes() const { return 2 * BytesPerLayer() * num_layers; }
};

struct StateSpec {
  int64_t num_layers = 0;     // recurrent layers (0: the model keeps no per-sequence state)
  size_t bytes_per_slot = 0;  // per layer and sequence
  size_t BytesPerSlot() const { return bytes_per_slot * static_cast<size_t>(num_layers); }
  bool empty() const { return num_layers == 0; }
};

// The --kv-cache-dtype flag: auto (bf16) | bf16 | f16 | f32.
inline Result<DType> ParseKvCacheDtype(const std::string& s) {
  if (s == "auto" || s == "bf16" || s == "bfloat16") return DType::kBF16;
  if (s == "f16" || s == "float16") return DType::kF16;
  if (s == "f32" || s == "float32") return DType::kF32;
  return InvalidArgument("--kv-cache-dtype '" + s + "' (need auto, bf16, f16 or f32)");
}

}  // namespace vllm
