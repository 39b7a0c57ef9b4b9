#include "sampler/candidate_filter.h"

#include <cmath>

#include "sampler/row_math.h"
#include "sampler/top_k_top_p.h"
#include "util/check.h"

namespace vllm {

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
  Candidates c;
  c.weights = std::span<const float>(w, vocab);
  const float m = RowMax(logits);
  if (!std::isfinite(m)) return c;  // all masked, or +inf/NaN from the model: invalid

  const bool use_top_k = params.top_k > 0 && params.top_k < vocab;
  const bool use_top_p = params.top_p < 1.0f;
  const bool use_min_p = params.min_p > 0.0f;
  int64_t n = 0;    // candidates in ids[0, n)
  double z = 0.0;   // top-p's normalizer: the mass top-k kept (all tokens without top-k)
  if (use_top_k) {
    n = SelectTopK(logits, m, params.top_k, ids, w, scratch.buckets);
    for (int64_t j = 0; j < n; ++j) {
      w[ids[j]] = FastExp(l[ids[j]] - m);
      z += w[ids[j]];
    }
    if (use_min_p) {
      int64_t kept = 0;
      for (int64_t j = 0; j < n; ++j)
        if (w[ids[j]] >= params.min_p) ids[kept++] = ids[j];
      n = kept;
    }
  } else {
    z = ExpAndSum(logits, m, w);
    if (!use_top_p && !use_min_p) {
      c.dense = true;
      c.total = z;
      return c;
    }
    if (!use_min_p) {  // top-p alone: straight from the row, no candidate list
      const double threshold = (static_cast<double>(params.top_p) - kTopPSlack) * z;
      n = TopPKeepAll(logits, w, m, threshold, ids, scratch.buckets);
      c.ids = std::span<const int32_t>(ids, n);
      for (int64_t j = 0; j < n; ++j) c.total += w[ids[j]];
      return c;
    }
    for (int64_t i = 0; i < vocab; ++i)
      if (w[i] > 0.0f && w[i] >= params.min_p) ids[n++] = static_cast<int32_t>(i);
  }
  // Min-p ran first: the max token has weight exp(0) = 1, so its bar is simply w >= min_p.
  // That is exact even though top-p comes before min-p by definition: both keep a prefix
  // of the same order and top-p measures mass against z (not the survivors' sum), so the
  // final set is the shorter of the two prefixes either way.
  if (use_top_p && n > 0) {
    const double threshold = (static_cast<double>(params.top_p) - kTopPSlack) * z;
    n = TopPKeep(ids, n, l, w, m, threshold, scratch.buckets);
  }
  c.ids = std::span<const int32_t>(ids, n);
  for (int64_t j = 0; j < n; ++j) c.total += w[ids[j]];
  return c;
}

}  // namespace vllm
