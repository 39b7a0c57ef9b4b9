#include "sampler/top_k_top_p.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "util/check.h"

namespace vllm {
namespace {

constexpr float kBucketsPerLogit = 128.0f;
constexpr float kKeyRange = (kNumLogitBuckets - 1) / kBucketsPerLogit;  // 32 logits

// Monotone in the logit: a better (larger) logit never lands in a later bucket.
// key is +inf for -inf logits; NaN is excluded by precondition.
inline int BucketOf(float max_logit, float logit) {
  const float key = max_logit - logit;
  return key < kKeyRange ? static_cast<int>(key * kBucketsPerLogit) : kNumLogitBuckets - 1;
}

// Most likely first; lower id first among equal logits.
struct ByLogitDesc {
  const float* logits;
  bool operator()(int32_t a, int32_t b) const {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  }
};

}  // namespace

int64_t SelectTopK(std::span<const float> logits, float max_logit, int64_t k, int32_t* ids,
                   float* values, BucketScratch& buckets) {
  const int64_t vocab = static_cast<int64_t>(logits.size());
  CHECK(k > 0 && k < vocab);
  const float* l = logits.data();
  int32_t* count = buckets.count.data();
  std::fill(count, count + kNumLogitBuckets, 0);
  for (int64_t i = 0; i < vocab; ++i) ++count[BucketOf(max_logit, l[i])];
  int boundary = 0;
  int64_t before = 0;  // tokens in buckets < boundary
  while (before + count[boundary] < k) before += count[boundary++];

  // Better buckets fill ids from the front, the boundary bucket from the back.
  int64_t n = 0;
  int64_t back = vocab;
  for (int64_t i = 0; i < vocab; ++i) {
    const int b = BucketOf(max_logit, l[i]);
    if (b < boundary) {
      ids[n++] = static_cast<int32_t>(i);
    } else if (b == boundary) {
      ids[--back] = static_cast<int32_t>(i);
    }
  }
  // The k-th largest logit is the (k - before)-th largest inside the boundary bucket.
  const int64_t num_boundary = vocab - back;
  // NaN (a model bug) lands in the overflow bucket; as -inf it cannot break nth_element's
  // ordering, and `>= kth` below never keeps it.
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  for (int64_t j = 0; j < num_boundary; ++j) {
    const float v = l[ids[back + j]];
    values[j] = std::isnan(v) ? kNegInf : v;
  }
  const int64_t need = k - before;
  std::nth_element(values, values + (need - 1), values + num_boundary, std::greater<float>());
  const float kth = values[need - 1];
  for (int64_t j = back; j < vocab; ++j)
    if (l[ids[j]] >= kth) ids[n++] = ids[j];  // n <= j always: the copy never overwrites
  return n;
}

namespace {

// Token weight per bucket over the candidates (all tokens when ids is null).
// Returns the bucket holding the threshold and the weight of the buckets before it.
int FindMassBoundary(const int32_t* ids, int64_t n, const float* logits, const float* w,
                     float max_logit, double threshold, double* mass) {
  std::fill(mass, mass + kNumLogitBuckets, 0.0);
  if (ids == nullptr) {
    for (int64_t i = 0; i < n; ++i) mass[BucketOf(max_logit, logits[i])] += w[i];
  } else {
    for (int64_t j = 0; j < n; ++j) mass[BucketOf(max_logit, logits[ids[j]])] += w[ids[j]];
  }
  int boundary = 0;
  double acc = 0.0;
  while (boundary < kNumLogitBuckets - 1 && acc + mass[boundary] < threshold)
    acc += mass[boundary++];
  return boundary;
}

// ids[0, begin) are kept whole with weight `cum`; ids[begin, end) is the boundary bucket.
// Sorts the bucket and cuts it where the running weight reaches threshold.
int64_t CutBoundaryBucket(int32_t* ids, int64_t begin, int64_t end, double cum,
                          const float* logits, const float* w, double threshold) {
  std::sort(ids + begin, ids + end, ByLogitDesc{logits});
  int64_t keep = end;  // rounding left the threshold unreached: the whole bucket stays
  for (int64_t j = begin; j < end; ++j) {
    cum += w[ids[j]];
    if (cum >= threshold) {
      keep = j + 1;
      break;
    }
  }
  // Ties share a logit, hence a bucket: they are all in [begin, end).
  while (keep < end && logits[ids[keep]] == logits[ids[keep - 1]]) ++keep;
  return keep;
}

}  // namespace

int64_t TopPKeep(int32_t* ids, int64_t n, const float* logits, const float* w, float max_logit,
                 double threshold, BucketScratch& buckets) {
  if (n <= 256) return CutBoundaryBucket(ids, 0, n, 0.0, logits, w, threshold);
  const int boundary =
      FindMassBoundary(ids, n, logits, w, max_logit, threshold, buckets.mass.data());
  auto in_better = [&](int32_t id) { return BucketOf(max_logit, logits[id]) < boundary; };
  auto in_boundary = [&](int32_t id) { return BucketOf(max_logit, logits[id]) == boundary; };
  const int64_t begin = std::partition(ids, ids + n, in_better) - ids;
  const int64_t end = std::partition(ids + begin, ids + n, in_boundary) - ids;
  double cum = 0.0;
  for (int64_t j = 0; j < begin; ++j) cum += w[ids[j]];
  return CutBoundaryBucket(ids, begin, end, cum, logits, w, threshold);
}

int64_t TopPKeepAll(std::span<const float> logits, const float* w, float max_logit,
                    double threshold, int32_t* ids, BucketScratch& buckets) {
  const int64_t vocab = static_cast<int64_t>(logits.size());
  const float* l = logits.data();
  const int boundary =
      FindMassBoundary(nullptr, vocab, l, w, max_logit, threshold, buckets.mass.data());
  // One pass: better buckets fill ids from the front, the boundary bucket from the back.
  int64_t begin = 0;
  int64_t back = vocab;
  double cum = 0.0;
  for (int64_t i = 0; i < vocab; ++i) {
    const int b = BucketOf(max_logit, l[i]);
    if (b < boundary) {
      ids[begin++] = static_cast<int32_t>(i);
      cum += w[i];
    } else if (b == boundary) {
      ids[--back] = static_cast<int32_t>(i);
    }
  }
  const int64_t num_boundary = vocab - back;
  std::copy(ids + back, ids + vocab, ids + begin);  // begin <= back: no overlap issue
  return CutBoundaryBucket(ids, begin, begin + num_boundary, cum, l, w, threshold);
}

}  // namespace vllm
