// Temperature, top-k, top-p and min-p: turns one processed row of logits into the set of
// tokens a random draw may pick (Candidates), without a full-vocab sort where avoidable.
//
// Order and definitions (probabilities p = softmax(logits / T) at each stage):
//   1. temperature: logits /= T (in place).
//   2. top-k (0 < k < vocab): keep every token whose logit >= the k-th largest logit. Tokens
//      tied with the k-th one are all kept (as vLLM's mask `logits < kth_value` does), so
//      more than k can survive; the kept set never depends on token numbering.
//   3. top-p (< 1): over the top-k survivors, renormalized, sorted by probability: keep the
//      shortest prefix whose mass reaches top_p (the token that crosses the threshold is
//      kept; one that lands exactly on it ends the prefix), plus every token whose logit
//      equals the last kept one (ties at the boundary are kept together, as for top-k).
//      "Reaches" allows kTopPSlack of probability mass so that a prefix summing to top_p in
//      exact arithmetic is not decided by float rounding.
//   4. min-p (> 0): drop tokens with p < min_p * max(p). Renormalizing does not change that
//      ratio, so min-p commutes with top-k; vLLM v1 runs it before top-k/top-p, which differs
//      from this order only when top_p < 1 and min_p removes mass top-p would have counted.
//   5. the survivors' weights exp(l - max) are the unnormalized distribution.
//
// Cost: one max pass; with top-k, one bucket-count pass and one collect pass over the vocab
// (top_k_top_p.h) and exp over the survivors only. Without it, one vectorized exp pass over
// the vocab (the normalizer needs every token); min-p then pre-filters before top-p, and
// top-p walks buckets of probability mass instead of sorting (top_k_top_p.h).
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
