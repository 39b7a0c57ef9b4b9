// WeightArena: owns a model's weight bytes on the backend's device. Loaders build each tensor
// in host memory (already in its stored format), Add() uploads it once and returns the view
// that WeightMatrix / norm pointers keep; the host copy is freed on upload (CPU: kept as is).
#pragma once

#include <vector>

#include "kernels/backend.h"
#include "kernels/device_buffer.h"

namespace vllm {

class WeightArena {
 public:
  explicit WeightArena(Backend& backend) : backend_(&backend) {}
  WeightArena(WeightArena&&) = default;
  WeightArena& operator=(WeightArena&&) = default;

  BufferView Add(DeviceBuffer host) {
    if (host.empty()) return {};
    buffers_.push_back(backend_->Upload(std::move(host)));
    return buffers_.back().view();
  }
  size_t bytes() const {
    size_t n = 0;
    for (const auto& b : buffers_) n += b.size();
    return n;
  }

 private:
  Backend* backend_;
  std::vector<DeviceBuffer> buffers_;  // a moved DeviceBuffer keeps its pointer: views stay valid
};

}  // namespace vllm
