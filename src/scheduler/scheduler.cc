#include "scheduler/scheduler.h"

#include <algorithm>

#include "util/check.h"

namespace vllm {

Scheduler::Scheduler(const SchedulerConfig& config, KvCacheManager* kv) : config_(config), kv_(kv) {
  CHECK_GT(config.max_num_seqs, 0);
  CHECK_GT(config.max_num_batched_tokens, 0);
}

Status Scheduler::Add(SchedRequest req) {
  const int64_t prompt = req.num_prompt_tokens;
  if (prompt != req.num_tokens()) return InvalidArgument("a new request carries generated tokens");
  if (prompt == 0) return InvalidArgument("the prompt is empty");
  if (requests_.count(req.seq_id)) return InvalidArgument("duplicate sequence id " + std::to_string(req.seq_id));
  RETURN_IF_ERROR(CheckAdmissible(prompt, req.stop.max_tokens));
  req.status = RequestStatus::kWaiting;
  const int64_t id = req.seq_id;
  requests_.emplace(id, std::make_unique<SchedRequest>(std::move(req)));
  waiting_.push_back(id);
  return Status::Ok();
}

Status Scheduler::CheckAdmissible(int64_t prompt, int64_t max_tokens) const {
  const int64_t need = prompt + max_tokens;
  if (need > config_.max_model_len)
    return InvalidArgument("prompt (" + std::to_string(prompt) + " tokens) + max_tokens (" +
                           std::to_string(max_tokens) + ") exceeds the context length " +
                           std::to_string(config_.max_model_len));
  if (kv_->BlocksNeeded(need) > kv_->config().num_blocks)
    return InvalidArgument("the request needs " + std::to_string(kv_->BlocksNeeded(need)) +
                           " KV blocks but the cache holds only " + std::to_string(kv_->config().num_blocks));
  return Status::Ok();
}

void Scheduler::Preempt(int64_t seq_id) {
  SchedRequest& r = *requests_.at(seq_id);
  kv_->Free(seq_id);
  r.num_computed_tokens = 0;
  r.status = RequestStatus::kWaiting;
  ++r.num_preemptions;
  ++stats_.num_preemptions;
  running_.erase(std::find(running_.begin(), running_.end(), seq_id));
  waiting_.push_front(seq_id);
}

int32_t Scheduler::FitPromptLogits(const SchedRequest& r, int64_t start, int32_t n, int32_t* rows) {
  *rows = 0;
  if (!r.needs_prompt_logits) return n;
  // Row p scores prompt token p + 1, so rows [start, min(start + n, P - 1)).
  const int64_t want = std::min<int64_t>(start + n, r.num_prompt_tokens - 1) - start;
  if (want <= 0) return n;
  if (want > logits_rows_left_) n = logits_rows_left_;  // the chunk then ends before P - 1
  *rows = static_cast<int32_t>(std::min<int64_t>(want, n));
  logits_rows_left_ -= *rows;
  return n;
}

// A hybrid model's prefill chunk ends at the prompt's snapshot position (KvCacheManager::
// StateSnapshotPosition), so that the state there exists after some step and can be saved.
int64_t Scheduler::ClipAtSnapshot(const SchedRequest& r, int64_t start, int64_t n) const {
  const int64_t snap = kv_->StateSnapshotPosition(r.num_prompt_tokens);
  return snap > start && start + n > snap ? snap - start : n;
}

// Returns false when preemption happened (then no new admissions this step).
bool Scheduler::ScheduleRunning(SchedulerOutput* out, int32_t* budget) {
  bool preempted_any = false;
  for (size_t i = 0; i < running_.size() && *budget > 0;) {
    const int64_t id = running_[i];
    SchedRequest& r = *requests_.at(id);
    const int64_t remaining = ClipAtSnapshot(r, r.num_computed_tokens, r.num_tokens() - r.num_computed_tokens);
    int32_t rows = 0;
    const int32_t n = FitPromptLogits(r, r.num_computed_tokens,
                                      static_cast<int32_t>(std::min<int64_t>(remaining, *budget)), &rows);
    if (n <= 0) {
      ++i;
      continue;
    }
    bool scheduled = true;
    while (!kv_->Allocate(id, r.num_computed_tokens + n, nullptr)) {
      const int64_t victim = running_.back();
      // Sequences already scheduled this step keep their blocks: never preempt them.
      bool victim_scheduled = std::any_of(out->seqs.begin(), out->seqs.end(),
                                          [&](const ScheduledSeq& s) { return s.seq_id == victim; });
      CHECK(!victim_scheduled) << "no preemption victim left; admission checks should prevent this";
      Preempt(victim);
      out->preempted.push_back(victim);
      preempted_any = true;
      if (victim == id) {
        scheduled = false;
        break;
      }
    }
    if (!scheduled) break;  // it was the newest: everything after it is gone too
    out->seqs.push_back({.seq_id = id,
                         .num_computed_before = r.num_computed_tokens,
                         .num_new_tokens = n,
                         .samples = r.num_computed_tokens + n == r.num_tokens(),
                         .num_prompt_logits = rows});
    *budget -= n;
    ++i;
  }
  return !preempted_any;
}

void Scheduler::ScheduleWaiting(SchedulerOutput* out, int32_t* budget) {
  while (!waiting_.empty() && *budget > 0 &&
         static_cast<int32_t>(running_.size()) < config_.max_num_seqs) {
    const int64_t id = waiting_.front();
    SchedRequest& r = *requests_.at(id);
    // A sequence that needs every prompt row's logits computes its prompt in full.
    PrefixHit hit = r.needs_prompt_logits
                        ? PrefixHit{}
                        : kv_->FindCachedPrefix(r.token_ids, r.cache_extra_key, /*count_query=*/true);
    const int64_t cached = hit.num_tokens();
    const int32_t left_before = logits_rows_left_;
    int32_t rows = 0;
    const int64_t remaining = ClipAtSnapshot(r, cached, r.num_tokens() - cached);
    const int32_t n = FitPromptLogits(r, cached, static_cast<int32_t>(std::min<int64_t>(remaining, *budget)), &rows);
    if (n <= 0 || !kv_->Allocate(id, cached + n, &hit)) {  // no room: wait for blocks to free up
      logits_rows_left_ = left_before;
      break;
    }
    waiting_.pop_front();
    if (r.num_cached_prompt_tokens < 0) r.num_cached_prompt_tokens = cached;
    r.num_computed_tokens = cached;
    r.status = RequestStatus::kRunning;
    running_.push_back(id);
    out->seqs.push_back({.seq_id = id,
                         .num_computed_before = cached,
                         .num_new_tokens = n,
                         .samples = cached + n == r.num_tokens(),
                         .num_prompt_logits = rows});
    *budget -= n;
  }
}

SchedulerOutput Scheduler::Schedule() {
  SchedulerOutput out;
  int32_t budget = config_.max_num_batched_tokens;
  logits_rows_left_ = config_.max_prompt_logits_rows;
  if (ScheduleRunning(&out, &budget)) ScheduleWaiting(&out, &budget);
  out.state_copies = kv_->TakeStateCopies();  // saves recorded by the last Update, then restores
  out.num_batched_tokens = config_.max_num_batched_tokens - budget;
  if (!out.empty()) ++stats_.num_steps;
  return out;
}

FinishReason Scheduler::CheckStop(const SchedRequest& r, int32_t token) const {
  const StopCriteria& c = r.stop;
  const int64_t num_out = r.num_output_tokens();
  if (num_out >= c.min_tokens) {
    const auto& eos = config_.eos_token_ids;
    if (!c.ignore_eos && std::find(eos.begin(), eos.end(), token) != eos.end()) return FinishReason::kStop;
    if (std::binary_search(c.stop_token_ids.begin(), c.stop_token_ids.end(), token)) return FinishReason::kStop;
  }
  if (num_out >= c.max_tokens || r.num_tokens() >= config_.max_model_len) return FinishReason::kLength;
  return FinishReason::kNone;
}

std::vector<FinishedSeq> Scheduler::Update(const SchedulerOutput& out, std::span<const int32_t> sampled) {
  std::vector<FinishedSeq> finished;
  size_t next = 0;
  for (const ScheduledSeq& s : out.seqs) {
    auto it = requests_.find(s.seq_id);
    if (it == requests_.end() || it->second->status != RequestStatus::kRunning) {
      if (s.samples) ++next;  // finished meanwhile (aborted): drop its token
      continue;
    }
    SchedRequest& r = *it->second;
    r.num_computed_tokens = s.num_computed_before + s.num_new_tokens;
    kv_->CommitComputed(s.seq_id, r.token_ids, r.num_computed_tokens, r.cache_extra_key);
    if (r.num_computed_tokens == kv_->StateSnapshotPosition(r.num_prompt_tokens))
      kv_->SnapshotState(s.seq_id, r.num_computed_tokens);
    if (!s.samples) continue;
    CHECK_LT(next, sampled.size());
    const int32_t token = sampled[next++];
    FinishReason reason = FinishReason::kLength;  // max_tokens 0: the prompt ran, nothing is kept
    if (r.stop.max_tokens > 0) {
      r.token_ids.push_back(token);
      reason = CheckStop(r, token);
    }
    if (reason == FinishReason::kNone) continue;
    finished.push_back({.seq_id = s.seq_id,
                        .reason = reason,
                        .stop_token_id = reason == FinishReason::kStop ? token : -1,
                        .num_prompt_tokens = r.num_prompt_tokens,
                        .num_output_tokens = r.num_output_tokens(),
                        .num_cached_prompt_tokens = std::max<int64_t>(0, r.num_cached_prompt_tokens)});
  }
  for (const FinishedSeq& f : finished) Finish(f.seq_id);
  return finished;
}

bool Scheduler::Finish(int64_t seq_id) {
  auto it = requests_.find(seq_id);
  if (it == requests_.end()) return false;
  SchedRequest& r = *it->second;
  if (r.status == RequestStatus::kRunning) running_.erase(std::find(running_.begin(), running_.end(), seq_id));
  if (r.status == RequestStatus::kWaiting) waiting_.erase(std::find(waiting_.begin(), waiting_.end(), seq_id));
  kv_->Free(seq_id);
  requests_.erase(it);
  return true;
}

const SchedRequest* Scheduler::Get(int64_t seq_id) const {
  auto it = requests_.find(seq_id);
  return it == requests_.end() ? nullptr : it->second.get();
}

}  // namespace vllm
