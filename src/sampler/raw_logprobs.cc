#include "sampler/raw_logprobs.h"

#include <algorithm>
#include <cmath>

#include "sampler/row_math.h"
#include "util/check.h"

namespace vllm {

LogSoftmaxStats ComputeLogSoftmaxStats(std::span<const float> logits) {
  CHECK(!logits.empty());
  const float m = RowMax(logits);
  return LogSoftmaxStats{.max_logit = m, .log_sum_exp = std::log(ExpAndSum(logits, m, nullptr))};
}

void TopLogprobs(std::span<const float> logits, const LogSoftmaxStats& stats, int32_t n,
                 std::vector<std::pair<int32_t, float>>* out) {
  out->clear();
  if (n <= 0) return;
  const int64_t vocab = static_cast<int64_t>(logits.size());
  const size_t want = static_cast<size_t>(std::min<int64_t>(n, vocab));
  // Holds (id, raw logit) sorted by logit descending; ids arrive ascending, so a strict '>'
  // keeps the lower id ahead of an equal later one.
  auto& best = *out;
  for (int64_t i = 0; i < vocab; ++i) {
    const float l = logits[i];
    if (best.size() == want && !(l > best.back().second)) continue;
    if (best.size() == want) best.pop_back();
    size_t pos = best.size();
    while (pos > 0 && l > best[pos - 1].second) --pos;
    best.insert(best.begin() + static_cast<std::ptrdiff_t>(pos), {static_cast<int32_t>(i), l});
  }
  for (auto& entry : best) entry.second = stats.Logprob(entry.second);
}

TokenLogprob ScoreToken(std::span<const float> logits, int32_t token_id, int32_t top_n) {
  CHECK(token_id >= 0 && static_cast<size_t>(token_id) < logits.size());
  const LogSoftmaxStats stats = ComputeLogSoftmaxStats(logits);
  const float l = logits[token_id];
  int32_t above = 0;
  for (float x : logits) above += x > l;
  TokenLogprob out{.token_id = token_id, .logprob = stats.Logprob(l), .top = {}, .rank = above + 1};
  TopLogprobs(logits, stats, top_n, &out.top);
  return out;
}

}  // namespace vllm
