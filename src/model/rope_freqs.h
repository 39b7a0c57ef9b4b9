// RoPE inverse frequencies per config (MLX_FORMAT.md §B0-B1): default, linear, llama3.
#pragma once

#include <vector>

#include "model/model_config.h"

namespace vllm {

// head_dim/2 inverse frequencies; angle = position * inv_freq[i].
std::vector<float> RopeInverseFrequencies(const RopeConfig& rope, int64_t head_dim);

}  // namespace vllm
