#include "sampler/basic_sampler.h"

#include <cmath>

#include "sampler/row_math.h"

namespace vllm {

int32_t ArgMax(const float* logits, int64_t n) {
  // Vectorized max, then the first index holding it: the lowest id wins ties. NaNs are
  // skipped; a NaN at index 0 makes the max NaN, nothing equals it, and 0 is returned.
  const float m = RowMax(std::span<const float>(logits, n));
  for (int64_t i = 0; i < n; ++i)
    if (logits[i] == m) return static_cast<int32_t>(i);
  return 0;
}

int32_t SampleToken(const float* logits, int64_t n, float temperature, std::mt19937_64& rng) {
  if (temperature <= 0.f) return ArgMax(logits, n);
  const float m = logits[ArgMax(logits, n)];
  double total = 0.0;
  for (int64_t i = 0; i < n; ++i) total += std::exp((logits[i] - m) / temperature);
  // Inverse-CDF draw: one uniform, one pass.
  double u = std::uniform_real_distribution<double>(0.0, total)(rng);
  for (int64_t i = 0; i < n; ++i) {
    u -= std::exp((logits[i] - m) / temperature);
    if (u <= 0.0) return static_cast<int32_t>(i);
  }
  return ArgMax(logits, n);  // rounding left a sliver: the mode is the safe answer
}

}  // namespace vllm
