// Open-addressing hash map from a (left id, right id) token pair to its merge. The BPE
// inner loop does one lookup per adjacent pair per merge, so this is the hottest table in
// encoding; linear probing over a flat array beats std::unordered_map's node chasing.
#pragma once

#include <cstdint>
#include <vector>

#include "util/check.h"

namespace vllm {

struct MergeInfo {
  int32_t rank;    // position in the merges list; lower merges first
  int32_t new_id;  // id of the merged token
};

class PairMap {
 public:
  void Reserve(size_t num_entries) {
    size_t capacity = 16;
    while (capacity < num_entries * 2) capacity *= 2;
    slots_.assign(capacity, Slot{kEmpty, {0, 0}});
    mask_ = capacity - 1;
  }

  // Later inserts of the same pair overwrite earlier ones (HF builds a HashMap the same way).
  void Insert(int32_t left, int32_t right, MergeInfo info) {
    CHECK(!slots_.empty()) << "PairMap::Reserve first";
    CHECK_LT(size_ * 2, slots_.size() + 1) << "PairMap over capacity";
    const uint64_t key = Key(left, right);
    for (size_t i = Hash(key) & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].key == kEmpty) {
        slots_[i] = {key, info};
        ++size_;
        return;
      }
      if (slots_[i].key == key) {
        slots_[i].info = info;
        return;
      }
    }
  }

  const MergeInfo* Find(int32_t left, int32_t right) const {
    const uint64_t key = Key(left, right);
    for (size_t i = Hash(key) & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].key == key) return &slots_[i].info;
      if (slots_[i].key == kEmpty) return nullptr;
    }
  }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};  // ids are >= 0, so never a real key
  struct Slot {
    uint64_t key;
    MergeInfo info;
  };
  static uint64_t Key(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
           static_cast<uint32_t>(right);
  }
  static size_t Hash(uint64_t key) {
    key ^= key >> 33;  // murmur3 finalizer: spreads both halves over the low bits
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    return static_cast<size_t>(key);
  }
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace vllm
