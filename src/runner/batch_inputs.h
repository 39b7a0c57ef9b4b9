// BatchInputs: one flattened step mixing prefills and decodes (DESIGN.md §3).
//
//   tokens:   | seq 0 (prefill chunk) | seq 1 (decode) | seq 2 (prefill chunk) |
//   query_start: 0                     q0               q1                     T
//
// Token t of sequence s sits at absolute position positions[t]; its K/V go to cache slot
// slot_mapping[t] = block_id * block_size + offset. seq_lens[s] is the context length after
// this step (cached prefix + every token scheduled so far), so sequence s attends over
// positions [0, positions[t]] through block_tables[s].
// Vectors are reused step to step (clear() keeps capacity): no per-step allocation.
#pragma once

#include <cstdint>
#include <vector>

namespace vllm {

struct BatchInputs {
  std::vector<int32_t> token_ids;       // [T]
  std::vector<int32_t> positions;       // [T]
  std::vector<int64_t> slot_mapping;    // [T]
  std::vector<int32_t> query_start;     // [S + 1]
  std::vector<int32_t> seq_lens;        // [S]
  std::vector<int32_t> block_tables;    // [S * max_blocks_per_seq], row-major
  int32_t max_blocks_per_seq = 0;
  std::vector<int32_t> logits_indices;  // token rows whose logits are computed, in output order

  int32_t num_tokens() const { return static_cast<int32_t>(token_ids.size()); }
  int32_t num_seqs() const { return static_cast<int32_t>(seq_lens.size()); }
  const int32_t* block_table(int32_t s) const {
    return block_tables.data() + static_cast<size_t>(s) * max_blocks_per_seq;
  }
  void Clear() {
    token_ids.clear();
    positions.clear();
    slot_mapping.clear();
    query_start.clear();
    seq_lens.clear();
    block_tables.clear();
    logits_indices.clear();
    max_blocks_per_seq = 0;
  }
};

}  // namespace vllm
