// The allowed-token mask of a grammar-constrained row (grammar/GrammarMatcher fills it):
// bit (id % 32) of word (id / 32) set = token id may be sampled. Words = ceil(vocab / 32);
// bits past the vocab are ignored.
#pragma once

#include <cstdint>
#include <span>

namespace vllm {

inline int64_t AllowedMaskWords(int64_t vocab) { return (vocab + 31) / 32; }

inline bool MaskAllows(const uint32_t* mask, int64_t id) { return (mask[id >> 5] >> (id & 31)) & 1u; }

// logits[id] = -inf for every id the mask does not allow. O(vocab / 32) on words that are
// all ones (skipped whole), O(vocab) worst case.
void ApplyAllowedMask(std::span<float> logits, const uint32_t* mask);

}  // namespace vllm
