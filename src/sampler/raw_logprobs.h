// Log-probabilities of the RAW model logits: log_softmax(logits) before min_tokens masking,
// logit_bias, penalties, temperature or top-k/p (vLLM's default "raw_logprobs" mode). They
// describe what the model predicted, not the filtered distribution the token was drawn from,
// so a sampled token can have a low logprob and top-n may list tokens that top-k removed.
//
//   logprob(i) = (l_i - max) - log(sum_j exp(l_j - max)),  exp by FastExp (rel. err < 2e-7),
//   sum accumulated as in ExpAndSum (row_math.h).
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "sampler/sample_output.h"

namespace vllm {

struct LogSoftmaxStats {
  float max_logit = 0.0f;
  double log_sum_exp = 0.0;  // log(sum_j exp(l_j - max_logit))

  float Logprob(float logit) const {
    return static_cast<float>((static_cast<double>(logit) - max_logit) - log_sum_exp);
  }
};

// One pass for the max, one for the sum. Precondition: no NaN, at least one finite logit.
LogSoftmaxStats ComputeLogSoftmaxStats(std::span<const float> logits);

// The n most likely tokens as (token id, logprob), sorted by logprob descending, lower id first
// on ties. n <= 20 in practice, so a small sorted insertion buffer beats a vocab-wide sort:
// almost every logit is rejected by one comparison against the current n-th best.
// `out` is overwritten (its capacity is reused).
void TopLogprobs(std::span<const float> logits, const LogSoftmaxStats& stats, int32_t n,
                 std::vector<std::pair<int32_t, float>>* out);

// A given token's raw logprob in one row of logits, its rank (1 + the number of tokens with a
// strictly larger logit) and the row's top-n alternatives: prompt logprobs (vLLM's
// prompt_logprobs, OpenAI's echo + logprobs).
TokenLogprob ScoreToken(std::span<const float> logits, int32_t token_id, int32_t top_n);

}  // namespace vllm
