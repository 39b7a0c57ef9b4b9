// Paged KV storage owned by the runner: per layer K and V of shape
// [num_blocks, block_size, num_kv_heads, head_dim] in bf16 or f16 (half the memory and the
// attention bandwidth of f32) or f32 (tests compare against f32 references).
// Block ids come from the KV cache manager; this class only owns memory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "util/aligned_buffer.h"
#include "util/check.h"
#include "util/dtype.h"
#include "util/status.h"

namespace vllm {

struct KvCacheSpec {
  int64_t num_layers = 0;
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

// The --kv-cache-dtype flag: auto (bf16) | bf16 | f16 | f32.
inline Result<DType> ParseKvCacheDtype(const std::string& s) {
  if (s == "auto" || s == "bf16" || s == "bfloat16") return DType::kBF16;
  if (s == "f16" || s == "float16") return DType::kF16;
  if (s == "f32" || s == "float32") return DType::kF32;
  return InvalidArgument("--kv-cache-dtype '" + s + "' (need auto, bf16, f16 or f32)");
}

// One layer's caches as the attention kernels see them.
struct KvLayer {
  void* k = nullptr;
  void* v = nullptr;
  DType dtype = DType::kF32;
};

class KvCacheTensors {
 public:
  explicit KvCacheTensors(const KvCacheSpec& spec) : spec_(spec) {
    CHECK_GT(spec.num_blocks, 0);
    CHECK(spec.dtype == DType::kF32 || spec.dtype == DType::kBF16 || spec.dtype == DType::kF16)
        << "KV cache dtype must be f32, bf16 or f16";
    for (int64_t l = 0; l < spec.num_layers; ++l) {
      k_.emplace_back(spec.BytesPerLayer());
      v_.emplace_back(spec.BytesPerLayer());
    }
  }
  const KvCacheSpec& spec() const { return spec_; }
  KvLayer layer(int64_t i) { return {k_[i].data(), v_[i].data(), spec_.dtype}; }

 private:
  KvCacheSpec spec_;
  std::vector<AlignedBuffer> k_, v_;
};

}  // namespace vllm
