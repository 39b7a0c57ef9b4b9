// BatchView: one step's flattened batch as the kernels see it (DESIGN.md §3), plain pointers
// and counts. The runner builds the host BatchInputs; the backend stages it (CPU: points into
// the host vectors; CUDA: fixed device buffers filled by one copy, addresses that CUDA graphs
// capture).
//
//   tokens:   | seq 0 (prefill chunk) | seq 1 (decode) | seq 2 (prefill chunk) |
//   query_start: 0                     q0               q1                     T
//
// Token t of sequence s sits at absolute position positions[t]; its K/V go to cache slot
// slot_mapping[t] = block_id * block_size + offset (-1: padding, nothing written). seq_lens[s]
// is the context length after this step, so token t attends over positions [0, positions[t]]
// through block_tables[s * block_table_stride ...].
#pragma once

#include <cstdint>

namespace vllm {

struct BatchView {
  const int32_t* token_ids = nullptr;       // [T]
  const int32_t* positions = nullptr;       // [T]
  const int64_t* slot_mapping = nullptr;    // [T]
  const int32_t* token_seq = nullptr;       // [T] sequence index of each token
  const int32_t* query_start = nullptr;     // [S + 1]
  const int32_t* seq_lens = nullptr;        // [S]
  const int32_t* block_tables = nullptr;    // [S, block_table_stride]
  const int32_t* logits_indices = nullptr;  // [num_logits] token rows whose logits are computed
  const int32_t* state_slots = nullptr;     // [S] per-sequence state slot (cache groups), or null
  int32_t num_tokens = 0;
  int32_t num_seqs = 0;
  int32_t num_logits = 0;
  int32_t block_table_stride = 0;
  int32_t max_query_len = 0;  // longest query of the step (1: pure decode)
  int32_t max_seq_len = 0;    // longest context of the step
  // Tokens [0, num_decode_tokens) are decode tokens (a generated token fed back, one per
  // sequence, each with its logits row first in logits order); the rest are prompt tokens.
  // MatMul computes each class with one numerics whatever the batch (batch invariance).
  int32_t num_decode_tokens = 0;

  const int32_t* block_table(int32_t s) const {
    return block_tables + static_cast<int64_t>(s) * block_table_stride;
  }
};

}  // namespace vllm
