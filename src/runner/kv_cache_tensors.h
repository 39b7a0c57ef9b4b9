// Paged KV storage owned by the runner: per layer K and V of shape
// [num_blocks, block_size, num_kv_heads, head_dim], f32 (bf16/f16 come with the engine).
// Block ids come from the KV cache manager; this class only owns memory.
#pragma once

#include <cstdint>
#include <vector>

#include "util/aligned_buffer.h"
#include "util/check.h"

namespace vllm {

struct KvCacheSpec {
  int64_t num_layers = 0;
  int64_t num_kv_heads = 0;
  int64_t head_dim = 0;
  int64_t block_size = 16;
  int64_t num_blocks = 0;

  int64_t SlotStride() const { return num_kv_heads * head_dim; }  // floats per token slot
  size_t BytesPerLayer() const {
    return static_cast<size_t>(num_blocks * block_size * SlotStride()) * sizeof(float);
  }
  size_t TotalBytes() const { return 2 * BytesPerLayer() * num_layers; }
};

class KvCacheTensors {
 public:
  explicit KvCacheTensors(const KvCacheSpec& spec) : spec_(spec) {
    CHECK_GT(spec.num_blocks, 0);
    for (int64_t l = 0; l < spec.num_layers; ++l) {
      k_.emplace_back(spec.BytesPerLayer());
      v_.emplace_back(spec.BytesPerLayer());
    }
  }
  const KvCacheSpec& spec() const { return spec_; }
  float* k(int64_t layer) { return k_[layer].data<float>(); }
  float* v(int64_t layer) { return v_[layer].data<float>(); }

 private:
  KvCacheSpec spec_;
  std::vector<AlignedBuffer> k_, v_;
};

}  // namespace vllm
