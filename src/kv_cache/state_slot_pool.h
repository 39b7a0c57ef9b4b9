// StateSlotPool: ids of the per-sequence state slots of a model's recurrent layers (the
// cache's second group, beside the paged K/V blocks). A slot belongs to one live sequence
// from admission to finish, abort or preemption; it holds the layers' state at the end of the
// sequence's computed prefix, so it cannot be shared or cached. Ids only: the runner owns the
// memory. Lowest free id first, so a quiet server reuses the same few slots.
#pragma once

#include <cstdint>
#include <set>

namespace vllm {

class StateSlotPool {
 public:
  explicit StateSlotPool(int32_t num_slots) : num_slots_(num_slots) {
    for (int32_t i = 0; i < num_slots; ++i) free_.insert(i);
  }
  int32_t num_slots() const { return num_slots_; }
  int32_t NumFree() const { return static_cast<int32_t>(free_.size()); }
  // A free slot, or -1 when none is left.
  int32_t Allocate() {
    if (free_.empty()) return -1;
    const int32_t id = *free_.begin();
    free_.erase(free_.begin());
    return id;
  }
  // Precondition: id came from Allocate and was not freed since.
  bool Free(int32_t id) { return id >= 0 && id < num_slots_ && free_.insert(id).second; }

 private:
  int32_t num_slots_;
  std::set<int32_t> free_;
};

}  // namespace vllm
