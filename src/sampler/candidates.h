// Candidates: the tokens a random draw may pick and their unnormalized weights, and the
// inverse-CDF draw over them. Produced by FilterCandidates (candidate_filter.h).
#pragma once

#include <cstdint>
#include <span>

namespace vllm {

struct Candidates {
  // Kept token ids in ascending id order: the draw's CDF runs over ids, whatever filter kept
  // them, so a device sampler that keeps the same set draws the same token from the same u.
  // Ignored when `dense`: then every token is a candidate, in id order.
  std::span<const int32_t> ids;
  bool dense = false;
  // [vocab] weight by token id, exp(l/T - max); meaningful only at candidate ids.
  std::span<const float> weights;
  double total = 0.0;              // sum of weights over the candidates, in iteration order

  // False when no candidate has positive finite mass (every logit -inf, or a NaN/+inf max):
  // the caller falls back to argmax.
  bool valid() const { return total > 0.0 && total < 1e300; }
  int64_t size() const {
    return dense ? static_cast<int64_t>(weights.size()) : static_cast<int64_t>(ids.size());
  }
  int32_t id(int64_t j) const { return dense ? static_cast<int32_t>(j) : ids[j]; }
};

// Inverts the CDF at u * total, u in [0, 1): the first candidate (in iteration order) whose
// running weight sum exceeds the target. Zero-weight candidates are never returned.
// Precondition: c.valid().
int32_t DrawToken(const Candidates& c, double u);

}  // namespace vllm
