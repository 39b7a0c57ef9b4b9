#include "kv_cache/block_pool.h"

#include <algorithm>

#include "util/check.h"

namespace vllm {

BlockPool::BlockPool(int32_t num_blocks, int32_t block_size)
    : num_blocks_(num_blocks), block_size_(block_size), blocks_(num_blocks) {
  CHECK_GT(num_blocks, 0);
  CHECK_GT(block_size, 0);
  for (int32_t i = 0; i < num_blocks; ++i) PushBack(plain_, i);
}

void BlockPool::PushBack(List& l, int32_t id) {
  Block& b = blocks_[id];
  b.prev = l.tail;
  b.next = -1;
  if (l.tail >= 0) blocks_[l.tail].next = id;
  else l.head = id;
  l.tail = id;
  ++l.size;
}

void BlockPool::Remove(List& l, int32_t id) {
  Block& b = blocks_[id];
  if (b.prev >= 0) blocks_[b.prev].next = b.next;
  else l.head = b.next;
  if (b.next >= 0) blocks_[b.next].prev = b.prev;
  else l.tail = b.prev;
  b.prev = b.next = -1;
  --l.size;
}

int32_t BlockPool::PopFront(List& l) {
  int32_t id = l.head;
  if (id >= 0) Remove(l, id);
  return id;
}

void BlockPool::Uncache(int32_t id) {
  Block& b = blocks_[id];
  if (b.generation == 0) return;
  auto it = by_hash_.find(b.hash);
  CHECK(it != by_hash_.end());
  auto& v = it->second;
  v.erase(std::find(v.begin(), v.end(), id));
  if (v.empty()) by_hash_.erase(it);
  b.generation = 0;
  b.tokens.clear();
}

bool BlockPool::Allocate(int32_t n, std::vector<int32_t>* out) {
  if (n > NumFreeBlocks()) return false;
  for (int32_t i = 0; i < n; ++i) {
    int32_t id = PopFront(plain_);
    if (id < 0) {
      id = PopFront(cached_);
      Uncache(id);
      ++stats_.evictions;
    }
    blocks_[id].ref_count = 1;
    out->push_back(id);
  }
  stats_.allocations += n;
  return true;
}

int32_t BlockPool::Lookup(uint64_t hash, uint64_t parent_generation, uint64_t extra_key,
                          std::span<const int32_t> tokens) const {
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) return -1;
  for (int32_t id : it->second) {
    const Block& b = blocks_[id];
    if (b.parent_generation == parent_generation && b.extra_key == extra_key &&
        std::equal(b.tokens.begin(), b.tokens.end(), tokens.begin(), tokens.end()))
      return id;
  }
  return -1;
}

void BlockPool::Touch(int32_t id) {
  Block& b = blocks_[id];
  CHECK(b.generation != 0) << "Touch on an uncached block " << id;
  if (b.ref_count == 0) Remove(cached_, id);
  ++b.ref_count;
}

void BlockPool::Free(std::span<const int32_t> ids) {
  for (int32_t id : ids) {
    Block& b = blocks_[id];
    CHECK_GT(b.ref_count, 0) << "double free of block " << id;
    if (--b.ref_count == 0) PushBack(b.generation ? cached_ : plain_, id);
  }
}

uint64_t BlockPool::Cache(int32_t id, uint64_t hash, uint64_t parent_generation, uint64_t extra_key,
                          std::span<const int32_t> tokens) {
  Block& b = blocks_[id];
  CHECK_GT(b.ref_count, 0) << "caching a free block " << id;
  CHECK_EQ(static_cast<int32_t>(tokens.size()), block_size_);
  if (b.generation != 0) return b.generation;
  b.generation = next_generation_++;
  b.hash = hash;
  b.parent_generation = parent_generation;
  b.extra_key = extra_key;
  b.tokens.assign(tokens.begin(), tokens.end());
  by_hash_[hash].push_back(id);
  return b.generation;
}

void BlockPool::ResetPrefixCache() {
  while (cached_.size > 0) {
    int32_t id = PopFront(cached_);
    Uncache(id);
    PushBack(plain_, id);
  }
  for (int32_t id = 0; id < num_blocks_; ++id) Uncache(id);
}

int32_t BlockPool::NumCachedBlocks() const {
  int32_t n = 0;
  for (const auto& b : blocks_) n += b.generation != 0;
  return n;
}

int32_t BlockPool::NumSharedBlocks() const {
  int32_t n = 0;
  for (const auto& b : blocks_) n += b.ref_count > 1;
  return n;
}

int64_t BlockPool::NumBlockRefs() const {
  int64_t n = 0;
  for (const auto& b : blocks_) n += b.ref_count;
  return n;
}

std::vector<int32_t> BlockPool::ListIds(const List& l) const {
  std::vector<int32_t> ids;
  for (int32_t id = l.head; id >= 0; id = blocks_[id].next) ids.push_back(id);
  return ids;
}

Status BlockPool::CheckInvariants() const {
  std::vector<int> seen(num_blocks_, 0);
  for (const List* l : {&plain_, &cached_}) {
    int32_t count = 0, prev = -1;
    for (int32_t id = l->head; id >= 0; id = blocks_[id].next) {
      if (blocks_[id].prev != prev) return Internal("free queue back link broken at block " + std::to_string(id));
      if (blocks_[id].ref_count != 0) return Internal("block " + std::to_string(id) + " queued while in use");
      if ((l == &cached_) != (blocks_[id].generation != 0))
        return Internal("block " + std::to_string(id) + " in the wrong free queue");
      if (++seen[id] > 1) return Internal("block " + std::to_string(id) + " queued twice");
      prev = id;
      if (++count > num_blocks_) return Internal("free queue has a cycle");
    }
    if (count != l->size || prev != l->tail) return Internal("free queue size/tail mismatch");
  }
  for (int32_t id = 0; id < num_blocks_; ++id) {
    if (blocks_[id].ref_count < 0) return Internal("negative ref count on block " + std::to_string(id));
    if (blocks_[id].ref_count == 0 && !seen[id]) return Internal("block " + std::to_string(id) + " leaked");
  }
  size_t entries = 0;
  for (const auto& [h, ids] : by_hash_)
    for (int32_t id : ids) {
      ++entries;
      if (blocks_[id].generation == 0 || blocks_[id].hash != h)
        return Internal("hash map entry for block " + std::to_string(id) + " is stale");
    }
  if (entries != static_cast<size_t>(NumCachedBlocks())) return Internal("hash map / cached block count mismatch");
  return Status::Ok();
}

}  // namespace vllm
