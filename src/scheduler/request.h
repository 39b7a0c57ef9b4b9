// The scheduler's view of one sequence: its tokens and how many of them have K/V in the
// cache. Prefill and decode are not modes: a step computes part of
// (num_tokens() - num_computed_tokens) under the token budget.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace vllm {

enum class RequestStatus { kWaiting, kRunning };

enum class FinishReason { kNone, kStop, kLength, kAbort };

// The token-level stop conditions, checked by Scheduler::Update on every sampled token
// (stop strings need text and are checked by the reader of the output stream).
struct StopCriteria {
  int32_t max_tokens = 16;          // output tokens at most (0: score the prompt, sample nothing)
  int32_t min_tokens = 0;           // EOS and stop ids do not stop before this many outputs
  bool ignore_eos = false;
  std::vector<int32_t> stop_token_ids;
};

struct SchedRequest {
  int64_t seq_id = 0;
  std::vector<int32_t> token_ids;  // prompt, then generated tokens
  int64_t num_prompt_tokens = 0;
  StopCriteria stop;
  uint64_t cache_extra_key = 0;    // separates prefix-cache namespaces (e.g. a cache salt)
  // Every prompt row's logits are needed (prompt logprobs): no prefix-cache hit may skip a
  // row, and at most SchedulerConfig::max_prompt_logits_rows such rows run per step.
  bool needs_prompt_logits = false;

  RequestStatus status = RequestStatus::kWaiting;
  int64_t num_computed_tokens = 0;
  int64_t num_cached_prompt_tokens = -1;  // from the first admission's prefix hit; -1 before
  int32_t num_preemptions = 0;

  static SchedRequest Make(int64_t seq_id, std::vector<int32_t> prompt, int32_t max_tokens) {
    SchedRequest r;
    r.seq_id = seq_id;
    r.num_prompt_tokens = static_cast<int64_t>(prompt.size());
    r.token_ids = std::move(prompt);
    r.stop.max_tokens = max_tokens;
    return r;
  }
  int64_t num_tokens() const { return static_cast<int64_t>(token_ids.size()); }
  int64_t num_output_tokens() const { return num_tokens() - num_prompt_tokens; }
  std::span<const int32_t> prompt() const { return {token_ids.data(), static_cast<size_t>(num_prompt_tokens)}; }
  std::span<const int32_t> output() const {
    return {token_ids.data() + num_prompt_tokens, static_cast<size_t>(num_output_tokens())};
  }
};

}  // namespace vllm
