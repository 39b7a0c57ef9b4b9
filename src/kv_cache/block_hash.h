// Chained block hashes for prefix caching: hash(parent_hash, block token ids, extra key).
// A block's hash names its whole prefix, so equal hashes mean "probably the same prefix";
// the pool still verifies tokens and parent identity on every hit (hashes can collide).
#pragma once

#include <cstdint>
#include <functional>
#include <span>

namespace vllm {

using BlockHashFn = std::function<uint64_t(uint64_t parent_hash, std::span<const int32_t> tokens,
                                           uint64_t extra_key)>;

// XXH3-64 over (parent, extra, tokens).
uint64_t DefaultBlockHash(uint64_t parent_hash, std::span<const int32_t> tokens, uint64_t extra_key);

// Hash of the empty prefix (parent of a sequence's first block).
inline constexpr uint64_t kRootBlockHash = 0x6a09e667f3bcc908ull;

}  // namespace vllm
