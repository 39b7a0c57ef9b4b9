// BlockPool: fixed-size KV blocks handed out by id (it owns no memory; the runner does).
//
// Every block is in exactly one state:
//   in use        ref_count > 0 (shared prefix blocks have ref_count > 1)
//   plain free    ref_count 0, holds nothing reusable           -> plain free queue
//   cached free   ref_count 0, holds a verified full block        -> cached free queue (LRU)
// Allocation takes plain free blocks first and evicts cached free blocks (least recently
// freed first) only when no plain block is left, so cached prefixes survive as long as
// memory allows.
//
// Hash lookups verify content: a cached block stores its tokens, extra key and the
// generation (a never-reused serial number) of its parent block, so a hash collision can
// never serve a block whose prefix differs.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "util/status.h"

namespace vllm {

struct BlockPoolStats {
  int64_t evictions = 0;   // cached blocks reclaimed for new allocations
  int64_t allocations = 0; // blocks handed out by Allocate (fresh KV to write; hits not counted)
};

class BlockPool {
 public:
  BlockPool(int32_t num_blocks, int32_t block_size);

  int32_t num_blocks() const { return num_blocks_; }
  int32_t block_size() const { return block_size_; }
  int32_t NumFreeBlocks() const { return plain_.size + cached_.size; }
  int32_t NumCachedFreeBlocks() const { return cached_.size; }
  int32_t NumUsedBlocks() const { return num_blocks_ - NumFreeBlocks(); }
  int32_t NumCachedBlocks() const;  // blocks (free or in use) currently holding a cache entry
  int32_t NumSharedBlocks() const;  // blocks with ref_count > 1
  // Sum of ref counts = entries in all block tables: the blocks the live sequences would hold
  // without prefix sharing (benchmarks compare it with NumUsedBlocks).
  int64_t NumBlockRefs() const;
  int32_t RefCount(int32_t id) const { return blocks_[id].ref_count; }
  bool IsCached(int32_t id) const { return blocks_[id].generation != 0; }
  uint64_t Generation(int32_t id) const { return blocks_[id].generation; }
  const BlockPoolStats& stats() const { return stats_; }

  // Takes n blocks with ref_count 1 into `out` (appended). All or nothing: false when fewer
  // than n blocks are free.
  bool Allocate(int32_t n, std::vector<int32_t>* out);

  // A cached block with exactly this content, or -1.
  int32_t Lookup(uint64_t hash, uint64_t parent_generation, uint64_t extra_key,
                 std::span<const int32_t> tokens) const;

  // Adds a reference to a block found by Lookup (taking it off the free queue if idle).
  void Touch(int32_t id);

  // Drops one reference per block. Blocks reaching zero join the tail of their free queue in
  // the order given: callers pass a sequence's blocks last-first so its tail is evicted first.
  void Free(std::span<const int32_t> ids);

  // Registers an in-use full block as cached content; returns its new generation. A block
  // already cached keeps its entry (same content by construction).
  uint64_t Cache(int32_t id, uint64_t hash, uint64_t parent_generation, uint64_t extra_key,
                 std::span<const int32_t> tokens);

  // Forgets every cached entry (in-use blocks keep serving their sequences, uncached).
  void ResetPrefixCache();

  // Every block in exactly one state, queues consistent, map entries valid.
  Status CheckInvariants() const;

  // Free queue contents head-first (tests).
  std::vector<int32_t> PlainFreeQueue() const { return ListIds(plain_); }
  std::vector<int32_t> CachedFreeQueue() const { return ListIds(cached_); }

 private:
  struct Block {
    int32_t ref_count = 0;
    int32_t prev = -1, next = -1;  // free-queue links
    uint64_t generation = 0;       // 0: not cached
    uint64_t hash = 0;
    uint64_t parent_generation = 0;
    uint64_t extra_key = 0;
    std::vector<int32_t> tokens;
  };
  struct List {
    int32_t head = -1, tail = -1, size = 0;
  };

  void PushBack(List& l, int32_t id);
  void Remove(List& l, int32_t id);
  int32_t PopFront(List& l);
  void Uncache(int32_t id);
  std::vector<int32_t> ListIds(const List& l) const;

  int32_t num_blocks_, block_size_;
  std::vector<Block> blocks_;
  List plain_, cached_;
  // hash -> blocks with that hash (several when hashes collide).
  std::unordered_map<uint64_t, std::vector<int32_t>> by_hash_;
  uint64_t next_generation_ = 1;
  BlockPoolStats stats_;
};

}  // namespace vllm
