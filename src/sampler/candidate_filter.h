// Temperature, top-k, top-p and min-p: turns one processed row of logits into the set of
// tokens a random draw may pick (Candidates), without a full-vocab sort where avoidable.
//
// Order and definitions, as vLLM v1 (temperature, then min-p, then top-k/top-p);
// probabilities p = softmax(logits / T) over the tokens still in at each stage:
//   1. temperature: logits /= T (in place).
//   2. min-p (> 0): drop tokens with p < min_p * max(p). The max token has weight
//      exp(l - max) = 1, so the bar is simply weight >= min_p.
//   3. top-k (0 < k < vocab): keep every token whose logit >= the k-th largest logit. Tokens
//      tied with the k-th one are all kept (as vLLM's mask `logits < kth_value` does), so
//      more than k can survive; the kept set never depends on token numbering. Min-p and
//      top-k both keep a prefix of the logit order, so they commute.
//   4. top-p (< 1): over the min-p and top-k survivors, renormalized, sorted by probability:
//      keep the shortest prefix whose mass reaches top_p (the token that crosses the
//      threshold is kept; one that lands exactly on it ends the prefix), plus every token
//      whose logit equals the last kept one (ties at the boundary are kept together, as for
//      top-k). "Reaches" allows kTopPSlack of probability mass so that a prefix summing to
//      top_p in exact arithmetic is not decided by float rounding.
//   5. the survivors' weights exp(l - max) are the unnormalized distribution.
// (The sampler brief listed min-p last; vLLM v1 applies it first, and the two differ when
// min-p removes mass that top-p would otherwise count. We follow vLLM.)
//
// Cost: one max pass; with top-k, one bucket-count pass and one collect pass over the vocab
// (top_k_top_p.h) and exp over the survivors only. Without it, one vectorized exp pass over
// the vocab (the normalizer needs every token); top-p then walks buckets of probability mass instead of sorting (top_k_top_p.h).
#pragma once

#include <span>

#include "sampler/candidates.h"
#include "sampler/sampler_scratch.h"
#include "sampler/sampling_params.h"

namespace vllm {

inline constexpr double kTopPSlack = 1e-6;

// Precondition: !params.greedy(), no NaN in logits, scratch sized for logits.size().
// The result points into scratch and logits; valid until either changes.
Candidates FilterCandidates(std::span<float> logits, const SamplingParams& params,
                            SamplerScratch& scratch);

}  // namespace vllm
