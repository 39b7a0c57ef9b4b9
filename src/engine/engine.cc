#include "engine/engine.h"

#include <algorithm>
#include <chrono>

#include "util/check.h"
#include "util/logging.h"

namespace vllm {

using Clock = std::chrono::steady_clock;

// Per-sequence engine state (the scheduler holds its tokens).
struct Engine::Sequence {
  int64_t seq_id = 0;
  std::string request_id;
  int32_t index = 0;
  SamplingParams params;
  std::shared_ptr<OutputStream> stream;
  SequenceSamplerState sampler;
  std::unique_ptr<IncrementalDetokenizer> detok;
  std::unique_ptr<StopStringMatcher> stops;
  std::vector<int32_t> prompt;  // kept until admission
  uint64_t cache_salt = 0;
  Clock::time_point t_arrival;
  double t_first_token_s = 0;
  int64_t num_generated = 0;
};

struct Engine::PendingRequest {
  std::string request_id;
  std::vector<std::unique_ptr<Sequence>> seqs;
};

namespace {

int64_t DeriveNumBlocks(const EngineConfig& c, const Model& m) {
  if (c.num_kv_blocks > 0) return c.num_kv_blocks;
  const int64_t per_block = static_cast<int64_t>(m.MakeKvSpec(c.block_size, 1, c.kv_cache_dtype).TotalBytes());
  return std::max<int64_t>(1, c.kv_cache_memory_bytes / per_block);
}

SchedulerConfig MakeSchedulerConfig(const EngineConfig& c, const Model& m) {
  int64_t len = c.max_model_len > 0 ? c.max_model_len : m.config().max_position_embeddings;
  if (len <= 0) len = 4096;
  return {.max_num_seqs = c.max_num_seqs,
          .max_num_batched_tokens = c.max_num_batched_tokens,
          .max_model_len = len};
}

}  // namespace

Engine::Engine(std::unique_ptr<Model> model, std::shared_ptr<const Tokenizer> tokenizer,
               EngineConfig config)
    : model_(std::move(model)),
      tokenizer_(std::move(tokenizer)),
      config_(config),
      sched_config_(MakeSchedulerConfig(config, *model_)),
      kv_({.num_blocks = static_cast<int32_t>(DeriveNumBlocks(config, *model_)),
           .block_size = config.block_size,
           .enable_prefix_caching = config.enable_prefix_caching}),
      sched_(sched_config_, &kv_),
      runner_(model_.get(), config.block_size, kv_.config().num_blocks, config.kv_cache_dtype),
      sampler_(model_->config().vocab_size) {
  CHECK_LE(config.max_num_batched_tokens, model_->max_num_tokens())
      << "the model's scratch must hold a full step";
  eos_ids_ = model_->config().eos_token_ids;
  if (eos_ids_.empty() && tokenizer_) eos_ids_ = tokenizer_->eos_ids();
  PublishStats();
}

Engine::~Engine() { Stop(); }

Result<std::shared_ptr<OutputStream>> Engine::Submit(EngineRequest req) {
  const int64_t vocab = model_->config().vocab_size;
  RETURN_IF_ERROR(req.params.Validate(vocab));
  if (req.prompt_token_ids.empty()) return InvalidArgument("the prompt is empty");
  for (int32_t id : req.prompt_token_ids)
    if (id < 0 || id >= vocab)
      return InvalidArgument("prompt token id " + std::to_string(id) + " is outside the vocabulary");
  if (!req.params.stop.empty() && !tokenizer_)
    return InvalidArgument("stop strings need a tokenizer; this model has none");
  RETURN_IF_ERROR(sched_.CheckAdmissible(static_cast<int64_t>(req.prompt_token_ids.size()),
                                         req.params.max_tokens));
  auto stream = std::make_shared<OutputStream>(req.params.n);
  auto pending = std::make_unique<PendingRequest>();
  pending->request_id = req.request_id;
  std::lock_guard<std::mutex> lock(in_mu_);
  if (live_requests_.count(req.request_id))
    return InvalidArgument("request id '" + req.request_id + "' is already in flight");
  for (int32_t i = 0; i < req.params.n; ++i) {
    auto seq = std::make_unique<Sequence>();
    seq->seq_id = next_seq_id_++;
    seq->request_id = req.request_id;
    seq->index = i;
    seq->params = req.params;
    // Siblings get distinct streams of randomness; a seeded request stays reproducible.
    if (seq->params.seed) *seq->params.seed += static_cast<uint64_t>(i);
    seq->sampler = SequenceSamplerState::Create(seq->params, req.prompt_token_ids,
                                                config_.seed * 0x9e3779b97f4a7c15ull + seq->seq_id);
    if (tokenizer_) {
      seq->detok = std::make_unique<IncrementalDetokenizer>(*tokenizer_, req.prompt_token_ids,
                                                            req.params.skip_special_tokens);
      seq->stops = std::make_unique<StopStringMatcher>(req.params.stop, req.params.include_stop_str_in_output);
    }
    seq->stream = stream;
    seq->prompt = req.prompt_token_ids;
    seq->cache_salt = req.cache_salt;
    seq->t_arrival = Clock::now();
    pending->seqs.push_back(std::move(seq));
  }
  live_requests_[req.request_id] = req.params.n;
  pending_.push_back(std::move(pending));
  in_cv_.notify_all();
  return stream;
}

void Engine::Abort(const std::string& request_id) {
  std::lock_guard<std::mutex> lock(in_mu_);
  pending_aborts_.push_back(request_id);
  in_cv_.notify_all();
}

void Engine::ResetPrefixCache() {
  std::lock_guard<std::mutex> lock(in_mu_);
  pending_reset_ = true;
  in_cv_.notify_all();
}

void Engine::AddToScheduler(std::unique_ptr<Sequence> seq) {
  SchedRequest r = SchedRequest::Make(seq->seq_id, std::move(seq->prompt), seq->params.max_tokens);
  r.cache_extra_key = seq->cache_salt;
  Status st = sched_.Add(std::move(r));
  CHECK(st.ok()) << "admissibility was checked at Submit: " << st.message();
  const int64_t id = seq->seq_id;
  request_seqs_[seq->request_id].push_back(id);
  seqs_[id] = std::move(seq);
}

void Engine::DrainInputs() {
  std::vector<std::unique_ptr<PendingRequest>> adds;
  std::vector<std::string> aborts;
  bool reset = false;
  {
    std::lock_guard<std::mutex> lock(in_mu_);
    adds.swap(pending_);
    aborts.swap(pending_aborts_);
    std::swap(reset, pending_reset_);
    // Drained requests leave pending_ now but reach the published stats only when this step
    // ends; count them as waiting meanwhile, so that Stats() (the server's admission control
    // for --max-waiting-requests) always finds them in one of the two. PublishStats() then
    // replaces the figure with the scheduler's exact count.
    int64_t drained = 0;
    for (const auto& p : adds) drained += static_cast<int64_t>(p->seqs.size());
    std::lock_guard<std::mutex> stats_lock(stats_mu_);
    stats_.num_waiting += drained;
  }
  for (auto& p : adds) {
    // With prefix caching, siblings wait for the first one's prompt to be cached.
    const bool defer = config_.enable_prefix_caching && p->seqs.size() > 1 &&
                       static_cast<int64_t>(p->seqs[0]->prompt.size()) > config_.block_size;
    const int64_t leader = p->seqs[0]->seq_id;
    for (size_t i = 0; i < p->seqs.size(); ++i) {
      if (i > 0 && defer) {
        request_seqs_[p->request_id].push_back(p->seqs[i]->seq_id);
        deferred_.emplace(leader, std::move(p->seqs[i]));
      } else {
        AddToScheduler(std::move(p->seqs[i]));
      }
    }
  }
  for (const auto& id : aborts) AbortNow(id);
  if (reset) kv_.ResetPrefixCache();
}

void Engine::ReleaseDeferredSiblings() {
  for (auto it = deferred_.begin(); it != deferred_.end();) {
    const SchedRequest* leader = sched_.Get(it->first);
    // Leader gone (finished/aborted) or its whole prompt computed: release.
    if (!leader || leader->num_computed_tokens >= leader->num_prompt_tokens) {
      std::unique_ptr<Sequence> seq = std::move(it->second);
      it = deferred_.erase(it);
      auto& ids = request_seqs_[seq->request_id];
      ids.erase(std::remove(ids.begin(), ids.end(), seq->seq_id), ids.end());
      AddToScheduler(std::move(seq));
    } else {
      ++it;
    }
  }
}

bool Engine::Step() {
  DrainInputs();
  ReleaseDeferredSiblings();
  SchedulerOutput out = sched_.Schedule();
  if (out.empty()) {
    PublishStats();  // inputs alone (aborts, resets) change the stats too
    return false;
  }
  std::vector<float>& logits = runner_.Execute(out, sched_, kv_);
  std::vector<const SamplingParams*> params;
  std::vector<SequenceSamplerState*> states;
  std::vector<Sequence*> sampling;
  for (const ScheduledSeq& s : out.seqs) {
    if (s.num_computed_before < sched_.Get(s.seq_id)->num_prompt_tokens)
      prompt_tokens_computed_ += std::min<int64_t>(s.num_new_tokens,
                                                   sched_.Get(s.seq_id)->num_prompt_tokens - s.num_computed_before);
    if (!s.samples) continue;
    Sequence* seq = seqs_.at(s.seq_id).get();
    sampling.push_back(seq);
    params.push_back(&seq->params);
    states.push_back(&seq->sampler);
  }
  std::vector<SampleOutput> samples(sampling.size());
  sampler_.SampleBatch(logits.data(), params, states, eos_ids_, samples);
  std::vector<int32_t> tokens;
  for (const auto& s : samples) tokens.push_back(s.token_id);
  sched_.Update(out, tokens);
  for (size_t i = 0; i < sampling.size(); ++i) EmitToken(*sampling[i], samples[i]);
  ReleaseDeferredSiblings();
  if (config_.check_invariants) {
    Status st = kv_.pool().CheckInvariants();
    CHECK(st.ok()) << st.message();
  }
  PublishStats();
  return true;
}

void Engine::EmitToken(Sequence& seq, const SampleOutput& sample) {
  if (seq.params.max_tokens == 0) {  // prompt-only request: the prefill ran, nothing is sampled
    RequestOutput out;
    const SchedRequest* r = sched_.Get(seq.seq_id);
    out.usage = {.prompt_tokens = r->num_prompt_tokens, .completion_tokens = 0,
                 .cached_prompt_tokens = std::max<int64_t>(0, r->num_cached_prompt_tokens)};
    FinishSequence(seq.seq_id, FinishReason::kLength, std::move(out));
    return;
  }
  const int32_t token = sample.token_id;
  seq.sampler.Append(token);
  ++seq.num_generated;
  ++generation_tokens_;
  if (seq.num_generated == 1)
    seq.t_first_token_s = std::chrono::duration<double>(Clock::now() - seq.t_arrival).count();
  RequestOutput out;
  out.new_token_ids = {token};
  if (seq.params.logprobs >= 0) out.logprobs.push_back({token, sample.logprob, sample.top_logprobs});
  const SamplingParams& p = seq.params;
  const bool past_min = seq.num_generated >= p.min_tokens;
  const bool is_eos = std::find(eos_ids_.begin(), eos_ids_.end(), token) != eos_ids_.end();
  const bool is_stop_id = std::find(p.stop_token_ids.begin(), p.stop_token_ids.end(), token) != p.stop_token_ids.end();
  FinishReason reason = FinishReason::kNone;
  if (past_min && ((is_eos && !p.ignore_eos) || is_stop_id)) reason = FinishReason::kStop;
  if (seq.detok) {
    // The text of a stopping EOS / stop id is not part of the output.
    std::string delta = reason == FinishReason::kStop ? "" : seq.detok->Add(token);
    if (past_min) {
      StopStringMatcher::Output m = seq.stops->Feed(delta);
      out.text_delta = std::move(m.text);
      if (m.stopped) reason = FinishReason::kStop;
    } else {
      out.text_delta = std::move(delta);
    }
  }
  const SchedRequest* r = sched_.Get(seq.seq_id);
  if (reason == FinishReason::kNone &&
      (seq.num_generated >= p.max_tokens || r->num_tokens() >= sched_config_.max_model_len))
    reason = FinishReason::kLength;
  if (reason != FinishReason::kNone && seq.detok && !seq.stops->stopped()) {
    out.text_delta += seq.stops->Feed(seq.detok->Flush()).text;  // held bytes/characters
    if (!seq.stops->stopped()) out.text_delta += seq.stops->Flush();
  }
  out.usage = {.prompt_tokens = r->num_prompt_tokens,
               .completion_tokens = seq.num_generated,
               .cached_prompt_tokens = std::max<int64_t>(0, r->num_cached_prompt_tokens)};
  if (reason != FinishReason::kNone) {
    FinishSequence(seq.seq_id, reason, std::move(out));
    return;
  }
  out.request_id = seq.request_id;
  out.index = seq.index;
  out.t_first_token_s = seq.t_first_token_s;
  seq.stream->Push(std::move(out));
}

// Pushes the final output of a live or deferred sequence and forgets it.
void Engine::FinishSequence(int64_t seq_id, FinishReason reason, RequestOutput out) {
  std::unique_ptr<Sequence> seq;
  if (auto it = seqs_.find(seq_id); it != seqs_.end()) {
    seq = std::move(it->second);
    seqs_.erase(it);
    sched_.Finish(seq_id, reason);
  } else {
    for (auto it = deferred_.begin(); it != deferred_.end(); ++it)
      if (it->second->seq_id == seq_id) {
        seq = std::move(it->second);
        deferred_.erase(it);
        break;
      }
  }
  CHECK(seq != nullptr) << "finishing unknown sequence " << seq_id;
  out.request_id = seq->request_id;
  out.index = seq->index;
  out.finished = true;
  out.finish_reason = reason;
  out.t_first_token_s = seq->t_first_token_s;
  auto& ids = request_seqs_[seq->request_id];
  ids.erase(std::remove(ids.begin(), ids.end(), seq_id), ids.end());
  const bool request_done = ids.empty();
  if (request_done) {
    request_seqs_.erase(seq->request_id);
    ++finished_requests_;
    std::lock_guard<std::mutex> lock(in_mu_);
    live_requests_.erase(seq->request_id);
  }
  seq->stream->Push(std::move(out));
}

void Engine::AbortNow(const std::string& request_id) {
  auto it = request_seqs_.find(request_id);
  if (it == request_seqs_.end()) return;  // unknown or finished: harmless
  std::vector<int64_t> ids = it->second;
  for (int64_t id : ids) {
    RequestOutput out;
    if (const SchedRequest* r = sched_.Get(id)) {
      out.usage.prompt_tokens = r->num_prompt_tokens;
      out.usage.completion_tokens = r->num_output_tokens();
    }
    FinishSequence(id, FinishReason::kAbort, std::move(out));
  }
}

bool Engine::HasWork() {
  std::lock_guard<std::mutex> lock(in_mu_);
  return !pending_.empty() || !pending_aborts_.empty() || sched_.HasWork() || !deferred_.empty();
}

void Engine::PublishStats() {
  EngineStats s;
  s.num_running = sched_.num_running();
  s.num_waiting = sched_.num_waiting() + static_cast<int64_t>(deferred_.size());
  const BlockPool& pool = kv_.pool();
  s.kv_blocks_total = pool.num_blocks();
  s.kv_blocks_used = pool.NumUsedBlocks();
  s.kv_blocks_cached = pool.NumCachedBlocks();
  s.kv_blocks_shared = pool.NumSharedBlocks();
  s.kv_block_refs = pool.NumBlockRefs();
  s.kv_blocks_allocated = pool.stats().allocations;
  s.block_size = pool.block_size();
  s.prefix = kv_.stats();
  s.evictions = pool.stats().evictions;
  s.preemptions = sched_.stats().num_preemptions;
  s.num_steps = sched_.stats().num_steps;
  s.prompt_tokens_computed = prompt_tokens_computed_;
  s.generation_tokens = generation_tokens_;
  s.finished_requests = finished_requests_;
  std::lock_guard<std::mutex> lock(stats_mu_);
  stats_ = s;
}

EngineStats Engine::Stats() const {
  EngineStats s;
  {
    std::lock_guard<std::mutex> lock(stats_mu_);
    s = stats_;
  }
  std::lock_guard<std::mutex> lock(in_mu_);
  for (const auto& p : pending_) s.num_waiting += static_cast<int64_t>(p->seqs.size());
  return s;
}

void Engine::Loop() {
  while (true) {
    {
      std::unique_lock<std::mutex> lock(in_mu_);
      in_cv_.wait(lock, [&] {
        return stop_ || !pending_.empty() || !pending_aborts_.empty() || pending_reset_ ||
               sched_.HasWork() || !deferred_.empty();
      });
      if (stop_) return;
    }
    // Step also drains aborts and cache resets. If nothing could be scheduled although work
    // exists (it should not happen), back off instead of spinning.
    if (!Step()) {
      std::unique_lock<std::mutex> lock(in_mu_);
      in_cv_.wait_for(lock, std::chrono::milliseconds(1), [&] { return stop_ || !pending_.empty(); });
    }
  }
}

void Engine::Start() {
  CHECK(!running_thread_.exchange(true)) << "engine already started";
  thread_ = std::thread([this] { Loop(); });
}

void Engine::Stop() {
  if (!running_thread_.exchange(false)) return;
  {
    std::lock_guard<std::mutex> lock(in_mu_);
    stop_ = true;
  }
  in_cv_.notify_all();
  thread_.join();
  // Requests still in flight end with "abort" so no reader waits forever.
  std::vector<std::string> ids;
  for (const auto& [id, seqs] : request_seqs_) ids.push_back(id);
  for (const auto& id : ids) AbortNow(id);
  PublishStats();
}

}  // namespace vllm
