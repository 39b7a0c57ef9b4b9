// Reusable per-thread buffers for sampling one row, sized once for the vocab so the hot path
// never allocates (DESIGN.md §4). One scratch serves one row at a time; a Sampler keeps one
// per pool thread. ~12.1 bytes per vocab entry (1.8 MB at vocab 152k) + 50 KB.
#pragma once

#include <cstdint>
#include <vector>

#include "sampler/top_k_top_p.h"

namespace vllm {

struct SamplerScratch {
  explicit SamplerScratch(int64_t vocab_size)
      : raw_logits(vocab_size), weights(vocab_size), ids(vocab_size), id_bits((vocab_size + 63) / 64) {}

  int64_t vocab_size() const { return static_cast<int64_t>(ids.size()); }

  std::vector<float> raw_logits;  // the row before any processing (raw logprobs)
  std::vector<float> weights;     // exp(l - max) by token id; also the top-k selection buffer
  std::vector<int32_t> ids;       // candidate token ids
  std::vector<uint64_t> id_bits;  // a bit per token: puts the kept ids in ascending order
  BucketScratch buckets;          // top-k / top-p bucket counts (~50 KB, vocab-independent)
};

}  // namespace vllm
