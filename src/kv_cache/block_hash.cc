#include "kv_cache/block_hash.h"

#include <xxhash.h>

namespace vllm {

uint64_t DefaultBlockHash(uint64_t parent_hash, std::span<const int32_t> tokens, uint64_t extra_key) {
  // The parent hash and the extra key enter through the seed; XXH3 mixes the seed fully.
  const uint64_t seed = parent_hash ^ (extra_key * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull);
  return XXH3_64bits_withSeed(tokens.data(), tokens.size_bytes(), seed);
}

}  // namespace vllm
