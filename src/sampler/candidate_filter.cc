#include "sampler/candidate_filter.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <vector>

#include "sampler/row_math.h"
#include "sampler/top_k_top_p.h"
#include "util/check.h"

namespace vllm {

namespace {

// Rewrites ids[0, n) (distinct, unordered) in ascending order: a bit per token, then one scan
// of vocab / 64 words. O(n + vocab / 64), cheaper than a sort once n passes a few hundred.
void SortIdsAscending(int32_t* ids, int64_t n, std::vector<uint64_t>& bits) {
  std::fill(bits.begin(), bits.end(), 0);
  for (int64_t j = 0; j < n; ++j) bits[ids[j] >> 6] |= uint64_t{1} << (ids[j] & 63);
  int64_t k = 0;
  for (size_t w = 0; w < bits.size(); ++w)
    for (uint64_t b = bits[w]; b != 0; b &= b - 1)
      ids[k++] = static_cast<int32_t>(w * 64 + static_cast<size_t>(std::countr_zero(b)));
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
  Candidates c;
  c.weights = std::span<const float>(w, vocab);
  const float m = RowMax(logits);
  if (!std::isfinite(m)) return c;  // all masked, or +inf/NaN from the model: invalid

  const bool use_top_k = params.top_k > 0 && params.top_k < vocab;
  const bool use_top_p = params.top_p < 1.0f;
  const bool use_min_p = params.min_p > 0.0f;
  int64_t n = 0;  // candidates in ids[0, n)
  if (use_top_k) {
    n = SelectTopK(logits, m, params.top_k, ids, w, scratch.buckets);
    int64_t kept = 0;
    for (int64_t j = 0; j < n; ++j) {
      const float wj = FastExp(l[ids[j]] - m);
      w[ids[j]] = wj;
      if (wj >= params.min_p) ids[kept++] = ids[j];  // min_p 0 keeps all
    }
    n = kept;
  } else {
    const double z = ExpAndSum(logits, m, w);
    if (!use_min_p) {
      if (!use_top_p) {
        c.dense = true;
        c.total = z;
        return c;
      }
      // top-p alone: straight from the row, no candidate list.
      const double threshold = (static_cast<double>(params.top_p) - kTopPSlack) * z;
      n = TopPKeepAll(logits, w, m, threshold, ids, scratch.buckets);
      SortIdsAscending(ids, n, scratch.id_bits);
      c.ids = std::span<const int32_t>(ids, n);
      for (int64_t j = 0; j < n; ++j) c.total += w[ids[j]];
      return c;
    }
    for (int64_t i = 0; i < vocab; ++i)
      if (w[i] > 0.0f && w[i] >= params.min_p) ids[n++] = static_cast<int32_t>(i);
  }
  if (use_top_p && n > 0) {
    double z = 0.0;  // the survivors' mass: top-p renormalizes over them
    for (int64_t j = 0; j < n; ++j) z += w[ids[j]];
    const double threshold = (static_cast<double>(params.top_p) - kTopPSlack) * z;
    n = TopPKeep(ids, n, l, w, m, threshold, scratch.buckets);
  }
  if (use_top_k || use_top_p) SortIdsAscending(ids, n, scratch.id_bits);  // min_p alone: built in order
  c.ids = std::span<const int32_t>(ids, n);
  for (int64_t j = 0; j < n; ++j) c.total += w[ids[j]];
  return c;
}

}  // namespace vllm
