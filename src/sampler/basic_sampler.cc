#include "sampler/basic_sampler.h"

#include <cmath>

namespace vllm {

int32_t ArgMax(const float* logits, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i)
    if (logits[i] > logits[best]) best = i;
  return static_cast<int32_t>(best);
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
