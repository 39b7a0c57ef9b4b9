// KvCacheManager: the cache of every live sequence, in two groups: paged K/V blocks (with
// prefix-cache lookups and accounting) and, for models with recurrent layers, one state slot
// per sequence (StateSlotPool). Policy-free: the scheduler decides who runs; this class
// answers "do these fit?" and keeps the BlockPool, the slots and each sequence's lists
// consistent. A sequence gets its blocks and its slot together or not at all.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

#include "kv_cache/block_hash.h"
#include "kv_cache/block_pool.h"
#include "kv_cache/state_slot_pool.h"
#include "kv_cache/state_snapshot_pool.h"

namespace vllm {

struct KvCacheConfig {
  int32_t num_blocks = 0;
  int32_t block_size = 16;
  bool enable_prefix_caching = true;
  // Slots of the state group; 0: the model has no recurrent layers. With state slots, prefix
  // lookups find nothing: cached K/V alone cannot restore the state at the prefix's end.
  int32_t num_state_slots = 0;
  // State snapshots (hybrid models, prefix caching on): how many saved states the cache keeps
  // (0: none, and then prefix lookups of a state model find nothing). A prompt's prefill
  // stops at its last full block boundary, the state there is saved and attached to that
  // block; a later prompt sharing the prefix starts from the snapshot (StateSnapshotPool).
  int32_t num_state_snapshots = 0;
};

// One copy of a whole state slot (every recurrent layer) that the runner performs before the
// step's forward: snapshot saves (src a sequence's slot) and restores (dst a sequence's slot).
// Slot ids: [0, num_state_slots) sequences, then the snapshots.
struct StateCopy {
  int32_t src_slot = -1;
  int32_t dst_slot = -1;
};

struct PrefixCacheStats {
  int64_t queries = 0;           // admissions that looked up the cache
  int64_t full_hits = 0;         // every cacheable block of the prompt was cached
  int64_t partial_hits = 0;      // some but not all
  int64_t misses = 0;            // none
  int64_t queried_tokens = 0;    // prompt tokens looked up
  int64_t hit_tokens = 0;        // tokens served from cache (not recomputed)
};

// A verified cached prefix of full blocks.
struct PrefixHit {
  std::vector<int32_t> block_ids;
  int64_t num_tokens() const { return static_cast<int64_t>(block_ids.size()) * block_size; }
  int64_t block_size = 0;
  int32_t state_snapshot = -1;  // state models: the snapshot at the hit's end (always set on a hit)
};

class KvCacheManager {
 public:
  explicit KvCacheManager(const KvCacheConfig& config, BlockHashFn hash = DefaultBlockHash);

  const KvCacheConfig& config() const { return config_; }
  BlockPool& pool() { return pool_; }
  const BlockPool& pool() const { return pool_; }
  const PrefixCacheStats& stats() const { return stats_; }

  // Longest verified cached prefix of `tokens` in full blocks, leaving at least one token to
  // compute (its logits are needed). Counts a query in the stats when `count_query`.
  PrefixHit FindCachedPrefix(std::span<const int32_t> tokens, uint64_t extra_key, bool count_query);

  // Ensures sequence `seq_id` has blocks for `num_tokens` tokens. On the sequence's first
  // allocation `hit` (may be null) supplies its cached prefix blocks, and the sequence takes a
  // state slot when the config has a state group. All or nothing: false when the pool cannot
  // supply the missing blocks or no slot is free.
  bool Allocate(int64_t seq_id, int64_t num_tokens, const PrefixHit* hit);

  // After a step computed tokens up to `num_computed`: registers newly full blocks as cached.
  void CommitComputed(int64_t seq_id, std::span<const int32_t> tokens, int64_t num_computed,
                      uint64_t extra_key);

  // Returns every block of the sequence to the pool (tail blocks evicted first) and its slot.
  void Free(int64_t seq_id);

  // --- state snapshots (config.num_state_snapshots > 0) ---
  // Where a prompt of this length is snapshotted: its last full block boundary before its last
  // token (a token count, a multiple of block_size); -1 when snapshots are off or the prompt
  // has no full block before its last token. The scheduler ends a prefill chunk there.
  int64_t StateSnapshotPosition(int64_t num_prompt_tokens) const;
  // After a step that computed exactly `num_computed` = StateSnapshotPosition tokens of the
  // sequence (and CommitComputed): saves its state as the snapshot of its last full block.
  void SnapshotState(int64_t seq_id, int64_t num_computed);
  // The slot copies recorded since the last call (saves, then restores), in order.
  std::vector<StateCopy> TakeStateCopies() { return std::exchange(state_copies_, {}); }
  int64_t state_snapshot_hits() const { return snapshot_hits_; }
  int32_t num_state_snapshots_attached() const { return snapshots_.NumAttached(); }

  const std::vector<int32_t>& Blocks(int64_t seq_id) const;
  // The sequence's state slot, -1 without a state group.
  int32_t StateSlot(int64_t seq_id) const { return seqs_.at(seq_id).state_slot; }
  const StateSlotPool& state_slots() const { return slots_; }
  bool HasSequence(int64_t seq_id) const { return seqs_.count(seq_id) != 0; }
  int64_t num_sequences() const { return static_cast<int64_t>(seqs_.size()); }
  int64_t BlocksNeeded(int64_t num_tokens) const {
    return (num_tokens + config_.block_size - 1) / config_.block_size;
  }
  void ResetPrefixCache() {
    pool_.ResetPrefixCache();
    snapshots_.Clear();
  }

 private:
  struct SeqBlocks {
    std::vector<int32_t> block_ids;
    std::vector<uint64_t> hashes;       // chained hashes of the committed full blocks
    std::vector<uint64_t> generations;  // their cache generations
    int32_t state_slot = -1;
  };

  KvCacheConfig config_;
  BlockHashFn hash_;
  BlockPool pool_;
  StateSlotPool slots_;
  StateSnapshotPool snapshots_;
  std::vector<StateCopy> state_copies_;
  int64_t snapshot_hits_ = 0;
  std::unordered_map<int64_t, SeqBlocks> seqs_;
  PrefixCacheStats stats_;
};

}  // namespace vllm
