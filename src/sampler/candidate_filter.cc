#include "sampler/candidate_filter.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "util/check.h"

namespace vllm {
namespace {

// Most likely first; lower id first among equal logits (a total order, so sorts agree).
struct ByLogitDesc {
  const float* logits;
  bool operator()(int32_t a, int32_t b) const {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  }
};

// Fills ids[0, n) with every token whose logit >= the k-th largest, sorted ByLogitDesc.
// Uses `values` (vocab floats) as the selection buffer.
int64_t SelectTopK(std::span<const float> logits, int64_t k, float* values, int32_t* ids) {
  const int64_t vocab = static_cast<int64_t>(logits.size());
  std::memcpy(values, logits.data(), sizeof(float) * vocab);
  std::nth_element(values, values + (k - 1), values + vocab, std::greater<float>());
  const float kth = values[k - 1];
  int64_t n = 0;
  for (int64_t i = 0; i < vocab; ++i)
    if (logits[i] >= kth) ids[n++] = static_cast<int32_t>(i);
  std::sort(ids, ids + n, ByLogitDesc{logits.data()});
  return n;
}

// Grows the sorted prefix of ids[0, n) in doubling chunks; `sorted_end` is how far it is
// sorted. Only the prefix the top-p walk actually visits gets sorted.
void ExtendSorted(int32_t* ids, int64_t n, const float* logits, int64_t* sorted_end,
                  int64_t* chunk) {
  const int64_t begin = *sorted_end;
  const int64_t end = std::min(n, begin + *chunk);
  ByLogitDesc cmp{logits};
  if (end < n) std::nth_element(ids + begin, ids + end, ids + n, cmp);
  std::sort(ids + begin, ids + end, cmp);
  *sorted_end = end;
  *chunk *= 2;
}

// Number of leading ids[] kept by top-p (see header), sorting lazily past `sorted_end`.
int64_t TopPKeep(int32_t* ids, int64_t n, const float* logits, const float* w, double z,
                 float top_p, int64_t sorted_end) {
  const double threshold = (static_cast<double>(top_p) - kTopPSlack) * z;
  int64_t chunk = 64;
  double cum = 0.0;
  int64_t keep = n;
  for (int64_t j = 0; j < n; ++j) {
    if (j == sorted_end) ExtendSorted(ids, n, logits, &sorted_end, &chunk);
    cum += w[ids[j]];
    if (cum >= threshold) {
      keep = j + 1;
      break;
    }
  }
  // Tokens tied with the last kept one stay with it.
  while (keep < n) {
    if (keep == sorted_end) ExtendSorted(ids, n, logits, &sorted_end, &chunk);
    if (logits[ids[keep]] != logits[ids[keep - 1]]) break;
    ++keep;
  }
  return keep;
}

}  // namespace

Candidates FilterCandidates(std::span<float> logits, const SamplingParams& params,
                            SamplerScratch& scratch) {
  const int64_t vocab = static_cast<int64_t>(logits.size());
  CHECK(!params.greedy()) << "greedy rows take ArgMax, not FilterCandidates";
  CHECK_LE(vocab, scratch.vocab_size()) << "scratch sized for a smaller vocab";
  float* l = logits.data();
  float* w = scratch.weights.data();
  int32_t* ids = scratch.ids.data();

  if (params.temperature != 1.0f) {
    const float t = params.temperature;
    for (int64_t i = 0; i < vocab; ++i) l[i] /= t;  // division, as vLLM: exact at T = 1, 0.5
  }
  const bool use_top_k = params.top_k > 0 && params.top_k < vocab;
  const bool use_top_p = params.top_p < 1.0f;
  const bool use_min_p = params.min_p > 0.0f;

  Candidates c;
  c.weights = std::span<const float>(w, vocab);
  int64_t n = 0;           // candidates in ids[0, n)
  int64_t sorted_end = 0;  // ids[0, sorted_end) sorted ByLogitDesc
  double z = 0.0;          // top-p's normalizer: mass of everything top-k kept
  bool min_p_done = false;
  if (use_top_k) {
    n = SelectTopK(logits, params.top_k, w, ids);
    sorted_end = n;
    const float m = l[ids[0]];
    for (int64_t j = 0; j < n; ++j) {
      w[ids[j]] = std::exp(l[ids[j]] - m);
      z += w[ids[j]];
    }
  } else {
    float m = -std::numeric_limits<float>::infinity();
    for (int64_t i = 0; i < vocab; ++i) m = l[i] > m ? l[i] : m;
    for (int64_t i = 0; i < vocab; ++i) {
      w[i] = std::exp(l[i] - m);
      z += w[i];
    }
    if (!use_top_p && !use_min_p) {
      c.dense = true;
      c.total = z;
      return c;
    }
    // The max token has weight exp(0) = 1, so min-p's bar is simply w >= min_p. Applying it
    // first is exact even before top-p: both keep a prefix of the same order, and top-p's
    // mass uses z over all tokens, so the final set is the shorter of the two prefixes.
    const float bar = use_min_p ? params.min_p : 0.0f;
    for (int64_t i = 0; i < vocab; ++i)
      if (w[i] > 0.0f && w[i] >= bar) ids[n++] = static_cast<int32_t>(i);
    if (use_min_p) {
      std::sort(ids, ids + n, ByLogitDesc{l});
      sorted_end = n;
      min_p_done = true;
    }
  }
  if (n > 0 && use_top_p) n = TopPKeep(ids, n, l, w, z, params.top_p, sorted_end);
  if (n > 0 && use_min_p && !min_p_done) {
    // ids are sorted here (top-k path) and w[ids[0]] = 1 is the max.
    int64_t keep = 1;
    while (keep < n && w[ids[keep]] >= params.min_p) ++keep;
    n = keep;
  }
  c.ids = std::span<const int32_t>(ids, n);
  for (int64_t j = 0; j < n; ++j) c.total += w[ids[j]];
  return c;
}

}  // namespace vllm
