// Writes a float32 .npy file (NumPy format v1.0): used to hand logits to Python tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "util/status.h"

namespace vllm {

Status WriteNpyF32(const std::string& path, const float* data, const std::vector<int64_t>& shape);

}  // namespace vllm
