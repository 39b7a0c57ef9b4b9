// What sampling one row yields: the token and, when asked, raw logprobs.
#pragma once

#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

namespace vllm {

struct SampleOutput {
  int32_t token_id = -1;
  // Raw logprob of token_id; NaN when the row asked for no logprobs (not computed: it costs
  // a pass over the vocabulary).
  float logprob = std::numeric_limits<float>::quiet_NaN();
  // The row's num_logprobs most likely tokens under the raw logits, (id, logprob), logprob
  // descending, lower id first on ties; empty when num_logprobs <= 0.
  std::vector<std::pair<int32_t, float>> top_logprobs;
};

}  // namespace vllm
