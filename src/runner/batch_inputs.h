// BatchInputs: the host side of one flattened step mixing prefills and decodes (DESIGN.md §3);
// View() gives the kernels' BatchView over it (kernels/batch_view.h draws the layout).
// Every builder (the runner's BuildBatchInputs, prompt scoring, benchmarks) goes through
// Begin + AddSequence, so slots, block tables and logits rows are laid out in one place.
// Vectors are reused step to step (clear() keeps capacity): no per-step allocation.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "kernels/batch_view.h"
#include "util/check.h"

namespace vllm {

struct BatchInputs {
  std::vector<int32_t> token_ids;       // [T]
  std::vector<int32_t> positions;       // [T]
  std::vector<int64_t> slot_mapping;    // [T]
  std::vector<int32_t> token_seq;       // [T] sequence index of each token
  std::vector<int32_t> query_start;     // [S + 1]
  std::vector<int32_t> seq_lens;        // [S]
  std::vector<int32_t> block_tables;    // [S * block_table_stride], row-major, -1 padded
  std::vector<int32_t> state_slots;     // [S] per-sequence state slot (-1: none)
  int32_t block_table_stride = 0;
  std::vector<int32_t> logits_indices;  // token rows whose logits are computed, in output order
  // Prompt-logits rows (prompt logprobs), appended after every sampled row by
  // AppendPromptLogitsRows() so that the sampler's rows stay [0, num_sampled).
  std::vector<int32_t> prompt_logits_rows;
  int32_t max_query_len = 0;
  int32_t max_seq_len = 0;
  // Leading decode tokens (batch_view.h); builders add decode sequences first and set it.
  int32_t num_decode_tokens = 0;

  int32_t num_tokens() const { return static_cast<int32_t>(token_ids.size()); }
  int32_t num_seqs() const { return static_cast<int32_t>(seq_lens.size()); }

  // Starts an empty batch whose block tables hold up to `block_table_stride` blocks each.
  void Begin(int32_t stride) {
    token_ids.clear(), positions.clear(), slot_mapping.clear(), token_seq.clear();
    query_start.assign(1, 0);
    seq_lens.clear(), block_tables.clear(), state_slots.clear(), logits_indices.clear();
    prompt_logits_rows.clear();
    block_table_stride = stride;
    max_query_len = max_seq_len = num_decode_tokens = 0;
  }

  // Appends a sequence computing `tokens` at positions [start, start + tokens.size()), whose
  // K/V live in `blocks` (block i holds positions [i*bs, (i+1)*bs)). When `samples`, its last
  // token's logits are computed; so are those of its first `num_prompt_logits` tokens (kept
  // in prompt_logits_rows until AppendPromptLogitsRows).
  void AddSequence(std::span<const int32_t> tokens, int64_t start, std::span<const int32_t> blocks,
                   int64_t block_size, bool samples, int32_t state_slot = -1,
                   int32_t num_prompt_logits = 0) {
    CHECK_LE(static_cast<int64_t>(blocks.size()), block_table_stride) << "block table stride too small";
    const int32_t s = num_seqs();
    const int64_t n = static_cast<int64_t>(tokens.size());
    for (int64_t i = 0; i < n; ++i) {
      const int64_t p = start + i;
      token_ids.push_back(tokens[i]);
      positions.push_back(static_cast<int32_t>(p));
      slot_mapping.push_back(static_cast<int64_t>(blocks[p / block_size]) * block_size + p % block_size);
      token_seq.push_back(s);
    }
    query_start.push_back(num_tokens());
    seq_lens.push_back(static_cast<int32_t>(start + n));
    block_tables.insert(block_tables.end(), blocks.begin(), blocks.end());
    block_tables.resize(block_tables.size() + (block_table_stride - blocks.size()), -1);
    state_slots.push_back(state_slot);
    if (samples) logits_indices.push_back(num_tokens() - 1);
    CHECK_LE(num_prompt_logits, n);
    for (int32_t i = 0; i < num_prompt_logits; ++i) prompt_logits_rows.push_back(query_start[s] + i);
    max_query_len = std::max<int32_t>(max_query_len, static_cast<int32_t>(n));
    max_seq_len = std::max<int32_t>(max_seq_len, seq_lens.back());
  }

  // Appends an inert sequence of one token that a captured decode graph computes and nobody
  // reads: position -1 (attention writes zeros), slot -1 (no K/V written), no blocks, its
  // logits row after the real ones. Pads a step to its graph's batch size, so only backends
  // with graphs see such rows (the CUDA attention treats position < 0 as padding).
  void AddPaddingRow() {
    const int32_t s = num_seqs();
    if (num_decode_tokens == num_tokens()) ++num_decode_tokens;  // on the decode rows' kernel
    token_ids.push_back(0);
    positions.push_back(-1);
    slot_mapping.push_back(-1);
    token_seq.push_back(s);
    query_start.push_back(num_tokens());
    seq_lens.push_back(0);
    block_tables.resize(block_tables.size() + block_table_stride, -1);
    state_slots.push_back(-1);
    logits_indices.push_back(num_tokens() - 1);
    max_query_len = std::max<int32_t>(max_query_len, 1);
  }

  void AppendPromptLogitsRows() {
    logits_indices.insert(logits_indices.end(), prompt_logits_rows.begin(), prompt_logits_rows.end());
  }

  BatchView View() const {
    return {.token_ids = token_ids.data(),
            .positions = positions.data(),
            .slot_mapping = slot_mapping.data(),
            .token_seq = token_seq.data(),
            .query_start = query_start.data(),
            .seq_lens = seq_lens.data(),
            .block_tables = block_tables.data(),
            .logits_indices = logits_indices.data(),
            .state_slots = state_slots.data(),
            .num_tokens = num_tokens(),
            .num_seqs = num_seqs(),
            .num_logits = static_cast<int32_t>(logits_indices.size()),
            .block_table_stride = block_table_stride,
            .max_query_len = max_query_len,
            .max_seq_len = max_seq_len,
            .num_decode_tokens = num_decode_tokens};
  }
};

}  // namespace vllm
