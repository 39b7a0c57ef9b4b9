// Top-k and top-p selection over one row without a full-vocab sort.
//
// Both bucket tokens by key = max_logit - logit (>= 0): width 1/128 logit over [0, 32),
// one overflow bucket beyond (weight < e^-32 there). One counting pass finds the bucket
// where the k-th token / the top_p mass falls; every token in a better bucket is kept
// unsorted, and only the boundary bucket (a few dozen tokens on real rows) is sorted.
//
//   key:  0 |b0|b1|b2| ... |b*| ... |b4095| overflow
//          <-- kept whole --> ^ sorted, cut exactly
//
// Semantics are those of a full sort by (logit desc, id asc); see candidate_filter.h.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace vllm {

inline constexpr int kNumLogitBuckets = 4096 + 1;  // + overflow

// Reusable per-row buffer for the bucket counts / masses.
struct BucketScratch {
  std::vector<double> mass = std::vector<double>(kNumLogitBuckets);
  std::vector<int32_t> count = std::vector<int32_t>(kNumLogitBuckets);
};

// Writes to ids[0, n) (unsorted) every token whose logit >= the k-th largest logit and
// returns n (>= k; more on ties with the k-th). `values` is a vocab-sized float buffer.
// Preconditions: 0 < k < logits.size(), max_logit = max(logits) finite, no NaN.
int64_t SelectTopK(std::span<const float> logits, float max_logit, int64_t k, int32_t* ids,
                   float* values, BucketScratch& buckets);

// Reorders ids[0, n) and returns how many lead tokens top-p keeps: the shortest prefix in
// (logit desc, id asc) order whose weight reaches threshold, plus the tokens tied with its
// last one. w[id] are the weights exp(l - max); the kept ids come first, unsorted except
// the boundary bucket's.
int64_t TopPKeep(int32_t* ids, int64_t n, const float* logits, const float* w, float max_logit,
                 double threshold, BucketScratch& buckets);

// TopPKeep over every token of the row (no pre-filter): writes the kept ids to ids[0, n)
// and returns n, with one pass over the vocab instead of building a candidate list first.
int64_t TopPKeepAll(std::span<const float> logits, const float* w, float max_logit,
                    double threshold, int32_t* ids, BucketScratch& buckets);

}  // namespace vllm
