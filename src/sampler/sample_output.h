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

// One position's raw logprobs as clients see them: the token there, its logprob, its rank
// under the raw logits (1 = most likely; 0 = not computed) and the top alternatives.
struct TokenLogprob {
  int32_t token_id = 0;
  float logprob = 0.f;
  std::vector<std::pair<int32_t, float>> top;  // alternatives, logprob descending
  int32_t rank = 0;
};

// Prompt logprobs of one sequence from one step: the prompt tokens at positions
// [first_position, first_position + logprobs.size()) scored by the rows before them
// (position 0 has no logprob: nothing predicts it).
// Final-normed hidden states of one pooling sequence from one step: rows for positions
// [first_position, first_position + num_rows), row-major [num_rows, hidden].
struct HiddenRowsChunk {
  int64_t seq_id = 0;
  int64_t first_position = 0;
  int64_t num_rows = 0;
  std::vector<float> rows;
};

struct PromptLogprobsChunk {
  int64_t seq_id = 0;
  int64_t first_position = 0;
  std::vector<TokenLogprob> logprobs;
};

}  // namespace vllm
