// StateSnapshotPool: ids of saved recurrent states ("snapshots") for prefix caching of hybrid
// models (vLLM's mamba_cache_mode "align", in miniature; MOE_HYBRID.md §5 phase 2). A snapshot
// is the state of every recurrent layer after a prompt's last full block, attached to that KV
// block by (block id, generation): it is valid exactly while the block still holds that cached
// content (a block's generation changes when it is evicted, never repeats). Ids only: the runner
// keeps the bytes (snapshot j is state slot num_state_slots + j). Least recently used first out.
#pragma once

#include <cstdint>
#include <list>
#include <unordered_map>
#include <vector>

namespace vllm {

class StateSnapshotPool {
 public:
  explicit StateSnapshotPool(int32_t num_snapshots) : entries_(static_cast<size_t>(num_snapshots)) {
    for (int32_t i = 0; i < num_snapshots; ++i) lru_.push_back(i);
    for (auto it = lru_.begin(); it != lru_.end(); ++it) where_[*it] = it;
  }
  int32_t size() const { return static_cast<int32_t>(entries_.size()); }

  // The snapshot attached to (block, generation), or -1. Marks it recently used.
  int32_t Find(int32_t block_id, uint64_t generation) {
    auto it = by_block_.find(block_id);
    if (it == by_block_.end() || entries_[it->second].generation != generation) return -1;
    Touch(it->second);
    return it->second;
  }
  // A snapshot id for (block, generation), recycling the least recently used one (whatever it
  // held is dropped). -1 when the pool is empty.
  int32_t Attach(int32_t block_id, uint64_t generation) {
    if (entries_.empty()) return -1;
    const int32_t id = lru_.front();
    Entry& e = entries_[id];
    if (e.block_id >= 0) by_block_.erase(e.block_id);
    if (auto old = by_block_.find(block_id); old != by_block_.end()) entries_[old->second].block_id = -1;
    e = {block_id, generation};
    by_block_[block_id] = id;
    Touch(id);
    return id;
  }
  int32_t NumAttached() const { return static_cast<int32_t>(by_block_.size()); }
  void Clear() {
    for (Entry& e : entries_) e = {};
    by_block_.clear();
  }

 private:
  struct Entry {
    int32_t block_id = -1;
    uint64_t generation = 0;
  };
  void Touch(int32_t id) { lru_.splice(lru_.end(), lru_, where_[id]); }

  std::vector<Entry> entries_;
  std::list<int32_t> lru_;  // front: next to recycle
  std::unordered_map<int32_t, std::list<int32_t>::iterator> where_;
  std::unordered_map<int32_t, int32_t> by_block_;  // block id -> snapshot id
};

}  // namespace vllm
