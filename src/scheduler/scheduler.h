// Scheduler: who runs this step and how many tokens each computes.
//
// Each step: running sequences first, in admission order (decodes and unfinished prefill
// chunks), then waiting ones while the token budget, max_num_seqs and free blocks allow.
// A prompt longer than the remaining budget is chunked. When a running sequence cannot get a
// block, the newest running sequence is preempted (blocks freed, recomputed later from the
// front of the waiting queue, where its own blocks are often still prefix-cached), so memory
// pressure slows requests down but never fails them. No tensors, no JSON: SchedulerOutput
// is plain data and the whole class is tested without a model.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "kv_cache/kv_cache_manager.h"
#include "scheduler/request.h"
#include "util/status.h"

namespace vllm {

struct SchedulerConfig {
  int32_t max_num_seqs = 256;
  int32_t max_num_batched_tokens = 2048;
  int64_t max_model_len = 4096;
  std::vector<int32_t> eos_token_ids;  // stop a sequence unless its StopCriteria ignore_eos
  // Prompt-logits rows (prompt logprobs) per step: each is a [vocab] f32 row of logits, so
  // this bounds the step's logits buffer (256 x 151,936 x 4 B = 156 MB for Qwen3).
  int32_t max_prompt_logits_rows = 256;
};

struct ScheduledSeq {
  int64_t seq_id = 0;
  int64_t num_computed_before = 0;  // tokens already in the cache
  int32_t num_new_tokens = 0;       // tokens computed this step
  bool samples = false;             // reaches the sequence's end: a new token is sampled
  // Leading rows of this chunk whose logits score the next prompt token (prompt logprobs):
  // positions [num_computed_before, num_computed_before + num_prompt_logits).
  int32_t num_prompt_logits = 0;
};

struct SchedulerOutput {
  std::vector<ScheduledSeq> seqs;
  std::vector<int64_t> preempted;
  // State slot copies (snapshot saves and restores of hybrid models) to run before the forward.
  std::vector<StateCopy> state_copies;
  int32_t num_batched_tokens = 0;
  bool empty() const { return seqs.empty(); }
};

// A sequence that Update ended (its blocks already freed), with what its final output needs.
struct FinishedSeq {
  int64_t seq_id = 0;
  FinishReason reason = FinishReason::kNone;
  int32_t stop_token_id = -1;  // the EOS / stop id that ended it (kStop), else -1
  int64_t num_prompt_tokens = 0;
  int64_t num_output_tokens = 0;
  int64_t num_cached_prompt_tokens = 0;
};

struct SchedulerStats {
  int64_t num_preemptions = 0;
  int64_t num_steps = 0;
};

class Scheduler {
 public:
  Scheduler(const SchedulerConfig& config, KvCacheManager* kv);

  // Queues a request. InvalidArgument when it can never run: prompt + max_tokens over
  // max_model_len, or more blocks than the whole cache holds.
  Status Add(SchedRequest req);

  // The checks Add makes on sizes alone; reads only immutable config, so any thread may ask.
  Status CheckAdmissible(int64_t num_prompt_tokens, int64_t max_tokens) const;

  SchedulerOutput Schedule();

  // After the step ran: advances num_computed_tokens, appends sampled tokens (one per
  // scheduled sequence with `samples`, in order), registers full blocks in the cache, and
  // checks each sampled token against its sequence's StopCriteria (EOS, stop ids, max_tokens,
  // max_model_len). Sequences that stop are finished (blocks freed) and returned.
  std::vector<FinishedSeq> Update(const SchedulerOutput& out, std::span<const int32_t> sampled);

  // Ends a sequence (aborted, or stopped by a stop string) and frees its blocks. Unknown or
  // already-finished ids are ignored. Returns whether the id was live.
  bool Finish(int64_t seq_id);

  const SchedRequest* Get(int64_t seq_id) const;
  int64_t num_running() const { return static_cast<int64_t>(running_.size()); }
  int64_t num_waiting() const { return static_cast<int64_t>(waiting_.size()); }
  bool HasWork() const { return !running_.empty() || !waiting_.empty(); }
  const SchedulerConfig& config() const { return config_; }
  const SchedulerStats& stats() const { return stats_; }
  KvCacheManager& kv() { return *kv_; }

 private:
  void Preempt(int64_t seq_id);
  // The reason the token just appended to r ends it, or kNone.
  FinishReason CheckStop(const SchedRequest& r, int32_t token) const;
  // Caps a chunk of `n` tokens from `start` to the step's prompt-logits rows left; returns
  // the chunk size (0: not this step) and sets *rows to its prompt-logits rows.
  int64_t ClipAtSnapshot(const SchedRequest& r, int64_t start, int64_t n) const;
  int32_t FitPromptLogits(const SchedRequest& r, int64_t start, int32_t n, int32_t* rows);
  bool ScheduleRunning(SchedulerOutput* out, int32_t* budget);
  void ScheduleWaiting(SchedulerOutput* out, int32_t* budget);

  SchedulerConfig config_;
  KvCacheManager* kv_;
  std::unordered_map<int64_t, std::unique_ptr<SchedRequest>> requests_;
  std::deque<int64_t> waiting_;
  std::vector<int64_t> running_;  // admission order; the back is preempted first
  SchedulerStats stats_;
  int32_t logits_rows_left_ = 0;  // this step's prompt-logits rows still free
};

}  // namespace vllm
