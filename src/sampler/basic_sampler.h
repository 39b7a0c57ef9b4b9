// Greedy and temperature sampling over one row of logits. The engine issue replaces this
// with the full sampler (top-k/p, penalties, logprobs); `generate` uses it until then.
#pragma once

#include <cstdint>
#include <random>

namespace vllm {

// Index of the largest logit (lowest index on ties).
int32_t ArgMax(const float* logits, int64_t n);

// temperature <= 0: greedy. Otherwise samples softmax(logits / temperature).
int32_t SampleToken(const float* logits, int64_t n, float temperature, std::mt19937_64& rng);

}  // namespace vllm
