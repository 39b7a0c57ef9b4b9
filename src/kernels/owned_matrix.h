// OwnedMatrix: a WeightMatrix view together with the host buffers it points into, for code
// that builds matrices by hand (kernel tests, kernel benchmarks, the CUDA tests). Moving it
// keeps the views valid (a moved DeviceBuffer keeps its pointer). Models use WeightArena.
#pragma once

#include <vector>

#include "kernels/device_buffer.h"
#include "kernels/weight_matrix.h"

namespace vllm {

struct OwnedMatrix : WeightMatrix {
  std::vector<DeviceBuffer> owned;

  // Allocates `bytes` of host memory for one of this matrix's views (data, scales, biases,
  // bias), points the view at it and returns it for filling.
  template <typename T>
  T* Own(BufferView WeightMatrix::*view, size_t bytes) {
    owned.push_back(DeviceBuffer::Host(bytes));
    this->*view = owned.back().view();
    return owned.back().data<T>();
  }
};

}  // namespace vllm
