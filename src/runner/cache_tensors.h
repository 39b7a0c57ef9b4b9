// The cache's memory, owned by the runner and allocated through the backend (on its
// device): per attention layer K and V of shape [num_blocks, block_size, num_kv_heads,
// head_dim] in bf16 / f16 (half the memory and attention bandwidth of f32) or f32 (tests
// against f32 references); per recurrent layer a state slab [num_slots, bytes_per_slot].
// Block and slot ids come from the KV cache manager; this class only owns memory. Everything
// is zeroed at construction, which also faults the pages in: an oversized cache fails at
// start, not under load.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/backend.h"
#include "kernels/kv_layer.h"
#include "model/cache_spec.h"
#include "util/check.h"

namespace vllm {

class CacheTensors {
 public:
  CacheTensors(Backend& backend, const KvCacheSpec& kv, const StateSpec& state, int32_t num_slots)
      : spec_(kv), state_spec_(state) {
    CHECK_GT(kv.num_blocks, 0);
    CHECK(kv.dtype == DType::kF32 || kv.dtype == DType::kBF16 || kv.dtype == DType::kF16)
        << "KV cache dtype must be f32, bf16 or f16";
    auto zeroed = [&](size_t bytes) {
      DeviceBuffer b = backend.Alloc(bytes);
      backend.Memset(b.data(), 0, bytes);
      return b;
    };
    for (int64_t l = 0; l < kv.num_layers; ++l) {
      k_.push_back(zeroed(kv.BytesPerLayer()));
      v_.push_back(zeroed(kv.BytesPerLayer()));
      layers_.push_back({k_.back().data(), v_.back().data(), kv.dtype, kv.block_size});
    }
    for (int64_t l = 0; l < state.num_layers; ++l) {
      state_.push_back(zeroed(state.bytes_per_slot * static_cast<size_t>(num_slots)));
      state_ptrs_.push_back(state_.back().data());
    }
  }
  CacheTensors(const CacheTensors&) = delete;
  CacheTensors& operator=(const CacheTensors&) = delete;

  const KvCacheSpec& spec() const { return spec_; }
  const std::vector<KvLayer>& kv_layers() const { return layers_; }
  const std::vector<void*>& state_layers() const { return state_ptrs_; }

 private:
  KvCacheSpec spec_;
  StateSpec state_spec_;
  std::vector<DeviceBuffer> k_, v_, state_;
  std::vector<KvLayer> layers_;
  std::vector<void*> state_ptrs_;
};

}  // namespace vllm
