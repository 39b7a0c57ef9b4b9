// A step's batch for the attention and KV-store tests: built on the host as plain vectors
// (BatchInputs' layout), uploaded once, seen by the kernels through a BatchView.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/batch_view.h"
#include "test_data.h"

namespace cuda_test {

struct HostBatch {
  std::vector<int32_t> positions, token_seq, query_start{0}, seq_lens, block_tables;
  std::vector<int64_t> slot_mapping;
  int32_t block_table_stride = 0;

  // Appends token `pos` of sequence `seq` (its slot from the block table), or padding.
  void AddToken(int32_t seq, int32_t pos, int64_t slot) {
    positions.push_back(pos);
    token_seq.push_back(seq);
    slot_mapping.push_back(slot);
  }
  int32_t num_tokens() const { return static_cast<int32_t>(positions.size()); }
};

class DeviceBatch {
 public:
  explicit DeviceBatch(const HostBatch& b)
      : positions_(b.positions), token_seq_(b.token_seq), query_start_(b.query_start), seq_lens_(b.seq_lens),
        block_tables_(b.block_tables), slots_(b.slot_mapping) {
    view_.positions = positions_.get();
    view_.token_seq = token_seq_.get();
    view_.query_start = query_start_.get();
    view_.seq_lens = seq_lens_.get();
    view_.block_tables = block_tables_.get();
    view_.slot_mapping = slots_.get();
    view_.num_tokens = b.num_tokens();
    view_.num_seqs = static_cast<int32_t>(b.seq_lens.size());
    view_.block_table_stride = b.block_table_stride;
  }
  const vllm::BatchView& view() const { return view_; }

 private:
  DeviceArray<int32_t> positions_, token_seq_, query_start_, seq_lens_, block_tables_;
  DeviceArray<int64_t> slots_;
  vllm::BatchView view_;
};

}  // namespace cuda_test
