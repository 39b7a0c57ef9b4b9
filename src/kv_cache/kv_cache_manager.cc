#include "kv_cache/kv_cache_manager.h"

#include <algorithm>

#include "util/check.h"

namespace vllm {

KvCacheManager::KvCacheManager(const KvCacheConfig& config, BlockHashFn hash)
    : config_(config), hash_(std::move(hash)), pool_(config.num_blocks, config.block_size),
      slots_(config.num_state_slots),
      snapshots_(config.num_state_slots > 0 ? config.num_state_snapshots : 0) {}

PrefixHit KvCacheManager::FindCachedPrefix(std::span<const int32_t> tokens, uint64_t extra_key,
                                           bool count_query) {
  PrefixHit hit;
  hit.block_size = config_.block_size;
  const int64_t bs = config_.block_size;
  // At most (len - 1) tokens may come from cache: the last one is computed for its logits.
  const int64_t cacheable = tokens.empty() ? 0 : (static_cast<int64_t>(tokens.size()) - 1) / bs;
  const bool state = config_.num_state_slots > 0;
  if (config_.enable_prefix_caching && (!state || snapshots_.size() > 0)) {
    uint64_t parent_hash = kRootBlockHash, parent_gen = 0;
    for (int64_t b = 0; b < cacheable; ++b) {
      auto blk = tokens.subspan(b * bs, bs);
      const uint64_t h = hash_(parent_hash, blk, extra_key);
      const int32_t id = pool_.Lookup(h, parent_gen, extra_key, blk);
      if (id < 0) break;
      hit.block_ids.push_back(id);
      parent_hash = h;
      parent_gen = pool_.Generation(id);
    }
    // A state model resumes only where a snapshot holds the state: the rightmost hit block
    // carrying one ends the hit (the K/V after it is recomputed with the state).
    if (state) {
      while (!hit.block_ids.empty()) {
        const int32_t last = hit.block_ids.back();
        hit.state_snapshot = snapshots_.Find(last, pool_.Generation(last));
        if (hit.state_snapshot >= 0) break;
        hit.block_ids.pop_back();
      }
    }
  }
  if (count_query) {
    ++stats_.queries;
    stats_.queried_tokens += static_cast<int64_t>(tokens.size());
    stats_.hit_tokens += hit.num_tokens();
    if (hit.block_ids.empty()) ++stats_.misses;
    else if (static_cast<int64_t>(hit.block_ids.size()) == cacheable) ++stats_.full_hits;
    else ++stats_.partial_hits;
  }
  return hit;
}

bool KvCacheManager::Allocate(int64_t seq_id, int64_t num_tokens, const PrefixHit* hit) {
  auto it = seqs_.find(seq_id);
  const bool fresh = it == seqs_.end();
  const int64_t have = fresh ? 0 : static_cast<int64_t>(it->second.block_ids.size());
  const int64_t hit_blocks = fresh && hit ? static_cast<int64_t>(hit->block_ids.size()) : 0;
  const int64_t need = std::max<int64_t>(0, BlocksNeeded(num_tokens) - have - hit_blocks);
  // Hit blocks sitting idle in the cached free queue stop being free once touched.
  int64_t idle_hits = 0;
  for (int64_t i = 0; i < hit_blocks; ++i) idle_hits += pool_.RefCount(hit->block_ids[i]) == 0;
  if (need > pool_.NumFreeBlocks() - idle_hits) return false;
  const bool needs_slot = fresh && config_.num_state_slots > 0;
  if (needs_slot && slots_.NumFree() == 0) return false;
  SeqBlocks& s = fresh ? seqs_[seq_id] : it->second;
  if (needs_slot) s.state_slot = slots_.Allocate();
  if (needs_slot && hit && hit->state_snapshot >= 0 && !hit->block_ids.empty()) {
    state_copies_.push_back({.src_slot = config_.num_state_slots + hit->state_snapshot, .dst_slot = s.state_slot});
    ++snapshot_hits_;
  }
  if (fresh && hit) {
    for (int32_t id : hit->block_ids) {
      pool_.Touch(id);
      s.block_ids.push_back(id);
      s.generations.push_back(pool_.Generation(id));
    }
    // Hashes of hit blocks are recomputed on commit (cheap); keep the vectors aligned.
    s.hashes.resize(s.generations.size(), 0);
  }
  const bool ok = pool_.Allocate(static_cast<int32_t>(need), &s.block_ids);
  CHECK(ok) << "free-block accounting is off";
  return true;
}

void KvCacheManager::CommitComputed(int64_t seq_id, std::span<const int32_t> tokens,
                                    int64_t num_computed, uint64_t extra_key) {
  if (!config_.enable_prefix_caching) return;
  SeqBlocks& s = seqs_.at(seq_id);
  const int64_t bs = config_.block_size;
  const int64_t full = std::min<int64_t>(num_computed / bs, static_cast<int64_t>(s.block_ids.size()));
  // Hit blocks were verified but their hashes not stored: fill them in lazily.
  for (int64_t b = 0; b < static_cast<int64_t>(s.hashes.size()); ++b)
    if (s.hashes[b] == 0)
      s.hashes[b] = hash_(b == 0 ? kRootBlockHash : s.hashes[b - 1], tokens.subspan(b * bs, bs), extra_key);
  for (int64_t b = static_cast<int64_t>(s.generations.size()); b < full; ++b) {
    auto blk = tokens.subspan(b * bs, bs);
    const uint64_t parent_hash = b == 0 ? kRootBlockHash : s.hashes[b - 1];
    const uint64_t parent_gen = b == 0 ? 0 : s.generations[b - 1];
    const uint64_t h = hash_(parent_hash, blk, extra_key);
    // Another sequence may have cached the same content meanwhile: reuse is not attempted
    // (this block stays private), but it is registered so lookups can find one of them.
    s.hashes.push_back(h);
    s.generations.push_back(pool_.Cache(s.block_ids[b], h, parent_gen, extra_key, blk));
  }
}

void KvCacheManager::Free(int64_t seq_id) {
  auto it = seqs_.find(seq_id);
  if (it == seqs_.end()) return;
  std::vector<int32_t> reversed(it->second.block_ids.rbegin(), it->second.block_ids.rend());
  pool_.Free(reversed);
  if (it->second.state_slot >= 0) CHECK(slots_.Free(it->second.state_slot)) << "state slot freed twice";
  seqs_.erase(it);
}

int64_t KvCacheManager::StateSnapshotPosition(int64_t num_prompt_tokens) const {
  if (snapshots_.size() == 0 || !config_.enable_prefix_caching || num_prompt_tokens < 1) return -1;
  const int64_t bs = config_.block_size, pos = (num_prompt_tokens - 1) / bs * bs;
  return pos > 0 ? pos : -1;
}

void KvCacheManager::SnapshotState(int64_t seq_id, int64_t num_computed) {
  const SeqBlocks& s = seqs_.at(seq_id);
  const int64_t b = num_computed / config_.block_size - 1;
  if (s.state_slot < 0 || b < 0 || b >= static_cast<int64_t>(s.generations.size())) return;
  const int32_t block = s.block_ids[b];
  const uint64_t gen = pool_.Generation(block);
  // Another sequence may have registered this content first: then this block is not the cached
  // one (its generation is stale or 0), and the cached one may already carry a snapshot.
  if (gen == 0 || gen != s.generations[b] || snapshots_.Find(block, gen) >= 0) return;
  const int32_t id = snapshots_.Attach(block, gen);
  if (id >= 0) state_copies_.push_back({.src_slot = s.state_slot, .dst_slot = config_.num_state_slots + id});
}

const std::vector<int32_t>& KvCacheManager::Blocks(int64_t seq_id) const {
  return seqs_.at(seq_id).block_ids;
}

}  // namespace vllm
