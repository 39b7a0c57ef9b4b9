// Greedy and temperature sampling over one row of logits, for the `generate` command.
// The engine uses the full sampler (sampler.h: per-request params, penalties, top-k/p,
// min-p, seeds, logprobs); ArgMax is shared by both.
#pragma once

#include <cstdint>
#include <random>

namespace vllm {

// Index of the largest logit (lowest index on ties).
int32_t ArgMax(const float* logits, int64_t n);

// temperature <= 0: greedy. Otherwise samples softmax(logits / temperature).
int32_t SampleToken(const float* logits, int64_t n, float temperature, std::mt19937_64& rng);

}  // namespace vllm
