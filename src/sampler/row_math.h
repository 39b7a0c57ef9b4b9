// Vocab-wide loops of the sampler (max, exp-and-sum, argmax), written so g++ -O3 vectorizes
// them without -ffast-math: a scalar expf costs ~5-10 ns, i.e. ~1 ms per 152k-token row,
// which would dominate a CPU decode step at batch 32.
#pragma once

#include <cstdint>
#include <span>

#include "util/fast_exp.h"  // FastExp, shared with the device sampler

namespace vllm {

// Largest element (NaNs are skipped unless row[0] is NaN). Precondition: non-empty.
float RowMax(std::span<const float> row);

// Writes w[i] = FastExp(row[i] - max_value) (if w is not null) and returns their sum.
// Summed in float within blocks of 256 (8 lanes x 32 terms, rel. error ~1e-6 at worst)
// and across blocks in double.
double ExpAndSum(std::span<const float> row, float max_value, float* w);

}  // namespace vllm
