// Naive mixture-of-experts references (tests only): every token through each of its k experts
// one at a time, in double, straight from MOE_HYBRID.md §1-2. No bucketing, no shared code with
// cpu/moe.cc.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/moe.h"

namespace vllm::ref {

struct RouterChoice {
  std::vector<int32_t> ids;     // [T, k], descending score, lower id on ties
  std::vector<double> weights;  // [T, k]
};

// Softmax in double over all E (or sigmoid), top-k, renormalisation and scaling.
RouterChoice RouterTopK(const std::vector<float>& logits, int64_t num_tokens, const RouterParams& p);

// out[T, H] in double; the activations between the projections are rounded to f32 (what
// every backend stores between its matmuls).
std::vector<double> MoeExperts(const MoeWeights& w, const std::vector<float>& x, int64_t num_tokens,
                               int64_t top_k, const std::vector<int32_t>& ids,
                               const std::vector<float>& weights);

}  // namespace vllm::ref
