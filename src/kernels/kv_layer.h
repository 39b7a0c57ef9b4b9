// One attention layer's paged K/V cache as the kernels see it, and the attention geometry.
// K and V are each [num_blocks, block_size, num_kv_heads, head_dim] in `dtype` (f32, bf16 or
// f16), on the backend's device.
#pragma once

#include <cstdint>

#include "util/dtype.h"

namespace vllm {

struct KvLayer {
  void* k = nullptr;
  void* v = nullptr;
  DType dtype = DType::kF32;
  int64_t block_size = 16;  // tokens per block
};

struct AttentionShape {
  int64_t num_heads = 0;
  int64_t num_kv_heads = 0;
  int64_t head_dim = 0;
  int64_t block_size = 0;
  float scale = 1.0f;  // usually head_dim^-0.5
  // > 0: sliding-window layer (gemma3 local layers): the token at position p attends to
  // positions (p - sliding_window, p] only. 0: full causal attention.
  int64_t sliding_window = 0;
};

}  // namespace vllm
