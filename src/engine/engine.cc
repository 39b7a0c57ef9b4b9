#include "engine/engine.h"

#include <algorithm>
#include <chrono>
#include <limits>

#include "grammar/grammar_compiler.h"
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
  uint64_t fallback_seed = 0;  // the sampling seed when params.seed is unset
  std::shared_ptr<OutputStream> stream;
  std::vector<int32_t> prompt;  // kept until admission
  std::unique_ptr<GrammarMatcher> matcher;  // params.structured compiled; handed to the runner
  uint64_t cache_salt = 0;
  Clock::time_point t_arrival;
  double t_first_token_s = 0;
  // Prompt logprobs gathered over the prompt's chunks (entry i: position i); sent with the first
  // output. A recompute after preemption scores the same positions again: kept once.
  std::vector<TokenLogprob> prompt_logprobs;
  bool prompt_logprobs_sent = false;
  // Pooling (embeddings): the rows seen so far (positions [0, pooled_rows)), summed for mean,
  // kept for cls (position 0) and last (position P - 1).
  std::vector<double> pooled;
  int64_t pooled_rows = 0;
  int64_t num_prompt_tokens = 0;
};

struct Engine::PendingRequest {
  std::string request_id;
  std::vector<std::unique_ptr<Sequence>> seqs;
};

namespace {

// The state group's size: one slot per running sequence, within the state memory budget
// (Nemotron-Nano's 47.6 MiB per sequence at the default 256 sequences would be 12 GiB).
int32_t NumStateSlots(const EngineConfig& c, const Model& m) {
  const StateSpec spec = m.state_spec();
  if (spec.empty()) return 0;
  const int64_t per_slot = static_cast<int64_t>(std::max<size_t>(1, spec.BytesPerSlot()));
  const int64_t fit = std::max<int64_t>(1, c.state_cache_memory_bytes / per_slot);
  return static_cast<int32_t>(std::min<int64_t>(c.max_num_seqs, fit));
}

// Saved states for prefix caching of state models (0: off).
int32_t NumStateSnapshots(const EngineConfig& c, const Model& m) {
  const StateSpec spec = m.state_spec();
  if (spec.empty() || !c.enable_prefix_caching || c.state_snapshot_memory_bytes <= 0) return 0;
  const int64_t per = static_cast<int64_t>(std::max<size_t>(1, spec.BytesPerSlot()));
  return static_cast<int32_t>(std::min<int64_t>(c.state_snapshot_memory_bytes / per, 1 << 20));
}

int64_t DeriveNumBlocks(const EngineConfig& c, const Model& m) {
  if (c.num_kv_blocks > 0) return c.num_kv_blocks;
  // max(1): a model with no attention layer keeps no K/V; its blocks only count tokens.
  const int64_t per_block =
      std::max<int64_t>(1, static_cast<int64_t>(m.MakeKvSpec(c.block_size, 1, c.kv_cache_dtype).TotalBytes()));
  return std::max<int64_t>(1, c.kv_cache_memory_bytes / per_block);
}

std::vector<int32_t> EosIds(const Model& m, const Tokenizer* tok) {
  if (!m.config().eos_token_ids.empty() || !tok) return m.config().eos_token_ids;
  return tok->eos_ids();
}

SchedulerConfig MakeSchedulerConfig(const EngineConfig& c, const Model& m, const Tokenizer* tok) {
  int64_t len = c.max_model_len > 0 ? c.max_model_len : m.config().max_position_embeddings;
  if (len <= 0) len = 4096;
  // A context longer than the KV cache holds for one sequence can never be served: clamp it,
  // so clients see the real limit in /v1/models and in context-length errors.
  const int64_t kv_tokens = DeriveNumBlocks(c, m) * c.block_size;
  if (len > kv_tokens) {
    LOG(WARNING) << "max_model_len " << len << " clamped to " << kv_tokens << " tokens: the KV cache ("
                 << DeriveNumBlocks(c, m) << " blocks of " << c.block_size
                 << ") holds no more for one sequence; raise --kv-cache-memory for a longer context";
    len = kv_tokens;
  }
  const int32_t slots = NumStateSlots(c, m);
  return {.max_num_seqs = slots > 0 ? std::min(c.max_num_seqs, slots) : c.max_num_seqs,
          .max_num_batched_tokens = c.max_num_batched_tokens,
          .max_model_len = len,
          .eos_token_ids = EosIds(m, tok)};
}

StopCriteria MakeStopCriteria(const SamplingParams& p) {
  StopCriteria c{.max_tokens = p.max_tokens, .min_tokens = p.min_tokens, .ignore_eos = p.ignore_eos,
                 .stop_token_ids = p.stop_token_ids};
  std::sort(c.stop_token_ids.begin(), c.stop_token_ids.end());
  return c;
}

}  // namespace

Engine::Engine(std::shared_ptr<Model> model, std::shared_ptr<const Tokenizer> tokenizer,
               EngineConfig config)
    : model_(std::move(model)),
      tokenizer_(std::move(tokenizer)),
      config_(config),
      sched_config_(MakeSchedulerConfig(config, *model_, tokenizer_.get())),
      kv_({.num_blocks = static_cast<int32_t>(DeriveNumBlocks(config, *model_)),
           .block_size = config.block_size,
           .enable_prefix_caching = config.enable_prefix_caching &&
                                    (model_->state_spec().empty() || NumStateSnapshots(config, *model_) > 0),
           .num_state_slots = NumStateSlots(config, *model_),
           .num_state_snapshots = NumStateSnapshots(config, *model_)}),
      sched_(sched_config_, &kv_),
      runner_(model_.get(), {.block_size = config.block_size,
                             .num_blocks = kv_.config().num_blocks,
                             .kv_dtype = config.kv_cache_dtype,
                             .num_state_slots = kv_.config().num_state_slots,
                             .num_state_snapshots = kv_.config().num_state_snapshots,
                             .eos_ids = sched_config_.eos_token_ids,
                             .cuda_graphs = !config.enforce_eager,
                             .grammar_threads = config.grammar_threads}) {
  CHECK_LE(config.max_num_batched_tokens, model_->max_num_tokens())
      << "the model's scratch must hold a full step";
  LogStateGroup();
  PublishStats();
}

Engine::~Engine() { Stop(); }

void Engine::LogStateGroup() const {
  const StateSpec spec = model_->state_spec();
  if (spec.empty()) return;
  const double mib = static_cast<double>(spec.BytesPerSlot()) / (1 << 20);
  const int32_t slots = kv_.config().num_state_slots;
  LOG(INFO) << model_->config().model_type << ": " << spec.num_layers << " recurrent layers, " << mib
            << " MiB of state per sequence; " << slots << " state slots (" << mib * slots / 1024 << " GiB)";
  if (slots < config_.max_num_seqs) {
    LOG(WARNING) << "max_num_seqs " << config_.max_num_seqs << " clamped to " << slots
                 << ": the recurrent state of that many sequences needs "
                 << mib * config_.max_num_seqs / 1024 << " GiB, over the state budget of "
                 << static_cast<double>(config_.state_cache_memory_bytes) / (1 << 30)
                 << " GiB (raise --state-cache-memory)";
  }
  if (const int32_t snaps = kv_.config().num_state_snapshots; snaps > 0) {
    LOG(INFO) << "prefix caching for " << model_->config().model_type << " through state snapshots at block "
              << "boundaries: " << snaps << " snapshots (" << mib * snaps / 1024 << " GiB)";
  } else if (config_.enable_prefix_caching) {
    LOG(INFO) << "prefix caching is off for " << model_->config().model_type
              << ": a cached K/V prefix is useless without the recurrent state at its end "
              << "(--state-snapshot-memory turns on state snapshots at block boundaries)";
  }
}

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
  // The grammar compiles here, on the caller's thread: the engine thread never waits for it.
  std::unique_ptr<GrammarMatcher> matcher;
  if (req.params.structured.active()) {
    if (req.params.pooling != SamplingParams::Pooling::kNone)
      return InvalidArgument("a structured output constraint does not apply to embeddings");
    auto vocab = Grammar();
    if (!vocab.ok()) return vocab.status();
    auto compiled = CompileGrammar(**vocab, req.params.structured);
    if (!compiled.ok()) return compiled.status();
    matcher = std::move(compiled.value());
  }
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
    seq->fallback_seed = config_.seed * 0x9e3779b97f4a7c15ull + static_cast<uint64_t>(seq->seq_id);
    if (tokenizer_)
      stream->SetText(i, std::make_unique<SequenceText>(*tokenizer_, req.prompt_token_ids, req.params));
    seq->stream = stream;
    seq->prompt = req.prompt_token_ids;
    if (matcher) seq->matcher = i + 1 < req.params.n ? matcher->Clone() : std::move(matcher);
    seq->num_prompt_tokens = static_cast<int64_t>(req.prompt_token_ids.size());
    // Entry 0 of the prompt logprobs: the first prompt token, which nothing predicts.
    if (req.params.prompt_logprobs >= 0)
      seq->prompt_logprobs.push_back({.token_id = req.prompt_token_ids[0],
                                      .logprob = std::numeric_limits<float>::quiet_NaN(), .top = {}, .rank = 0});
    seq->cache_salt = req.cache_salt;
    seq->t_arrival = Clock::now();
    pending->seqs.push_back(std::move(seq));
  }
  std::weak_ptr<StopInbox> inbox = stop_inbox_;
  stream->SetOnStop([inbox, id = req.request_id](int32_t index) {
    if (auto in = inbox.lock()) {
      std::lock_guard<std::mutex> lock(in->mu);
      in->stops.emplace_back(id, index);
    }
  });
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
  runner_.AddSequence(seq->seq_id, seq->params, seq->prompt, seq->fallback_seed, std::move(seq->matcher));
  SchedRequest r = SchedRequest::Make(seq->seq_id, std::move(seq->prompt), seq->params.max_tokens);
  r.stop = MakeStopCriteria(seq->params);
  r.cache_extra_key = seq->cache_salt;
  r.needs_prompt_logits = seq->params.prompt_logprobs >= 0 || seq->params.pooling != SamplingParams::Pooling::kNone;
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
    // With prefix caching, siblings wait for the first one's prompt to be cached (the cache's
    // own flag: it is off for state models without snapshots, whose siblings then run at once).
    const bool defer = kv_.config().enable_prefix_caching && p->seqs.size() > 1 &&
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
  std::vector<std::pair<std::string, int32_t>> stops;
  {
    std::lock_guard<std::mutex> lock(stop_inbox_->mu);
    stops.swap(stop_inbox_->stops);
  }
  for (const auto& [id, index] : stops) StopNow(id, index);
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
  const SchedulerOutput out = sched_.Schedule();
  if (out.empty()) {
    PublishStats();  // inputs alone (aborts, resets) change the stats too
    return false;
  }
  CountPromptTokens(out);
  const ModelRunnerOutput& ran = runner_.Execute(out, sched_, kv_);
  const std::vector<FinishedSeq> finished = sched_.Update(out, ran.token_ids);
  EmitOutputs(ran, finished);
  ReleaseDeferredSiblings();
  if (config_.check_invariants) {
    Status st = kv_.pool().CheckInvariants();
    CHECK(st.ok()) << st.message();
  }
  PublishStats();
  return true;
}

void Engine::CountPromptTokens(const SchedulerOutput& out) {
  for (const ScheduledSeq& s : out.seqs) {
    const int64_t prompt = sched_.Get(s.seq_id)->num_prompt_tokens;
    if (s.num_computed_before < prompt)
      prompt_tokens_computed_ += std::min<int64_t>(s.num_new_tokens, prompt - s.num_computed_before);
  }
}

// One output per sampled token: ids, logprobs when asked, usage; the final one for each
// sequence the scheduler stopped. Text is made by the stream's reader.
void Engine::EmitOutputs(const ModelRunnerOutput& ran, const std::vector<FinishedSeq>& finished) {
  for (const PromptLogprobsChunk& chunk : ran.prompt_logprobs) {
    auto it = seqs_.find(chunk.seq_id);
    if (it == seqs_.end()) continue;
    std::vector<TokenLogprob>& have = it->second->prompt_logprobs;
    for (size_t j = 0; j < chunk.logprobs.size(); ++j)
      if (chunk.first_position + static_cast<int64_t>(j) == static_cast<int64_t>(have.size()))
        have.push_back(chunk.logprobs[j]);
  }
  for (const HiddenRowsChunk& chunk : ran.hidden_rows) {
    auto it = seqs_.find(chunk.seq_id);
    if (it != seqs_.end()) Pool(*it->second, chunk);
  }
  size_t next_finished = 0;
  for (size_t i = 0; i < ran.seq_ids.size(); ++i) {
    const int64_t id = ran.seq_ids[i];
    auto it = seqs_.find(id);
    if (it == seqs_.end()) continue;  // aborted during the step
    Sequence& seq = *it->second;
    const SampleOutput& sample = ran.samples[i];
    const FinishedSeq* fin = nullptr;
    if (next_finished < finished.size() && finished[next_finished].seq_id == id) fin = &finished[next_finished++];
    RequestOutput o;
    if (seq.params.prompt_logprobs >= 0 && !seq.prompt_logprobs_sent) {
      o.prompt_logprobs = std::move(seq.prompt_logprobs);
      o.has_prompt_logprobs = seq.prompt_logprobs_sent = true;
    }
    if (seq.params.max_tokens > 0) {  // max_tokens 0 scores the prompt: no token is kept
      o.new_token_ids = {sample.token_id};
      if (seq.params.logprobs >= 0) o.logprobs.push_back({sample.token_id, sample.logprob, sample.top_logprobs});
      ++generation_tokens_;
    }
    if (fin) {
      o.usage = {.prompt_tokens = fin->num_prompt_tokens, .completion_tokens = fin->num_output_tokens,
                 .cached_prompt_tokens = fin->num_cached_prompt_tokens};
    } else {
      const SchedRequest* r = sched_.Get(id);
      o.usage = {.prompt_tokens = r->num_prompt_tokens, .completion_tokens = r->num_output_tokens(),
                 .cached_prompt_tokens = std::max<int64_t>(0, r->num_cached_prompt_tokens)};
    }
    if (o.usage.completion_tokens == 1 && seq.t_first_token_s == 0)
      seq.t_first_token_s = std::chrono::duration<double>(Clock::now() - seq.t_arrival).count();
    if (fin && seq.params.pooling != SamplingParams::Pooling::kNone) {
      o.embedding.assign(seq.pooled.begin(), seq.pooled.end());
      if (seq.params.pooling == SamplingParams::Pooling::kMean)
        for (float& v : o.embedding) v = static_cast<float>(v / static_cast<double>(seq.pooled_rows));
    }
    if (fin) {
      o.stop_token_id = fin->stop_token_id;
      FinishSequence(id, fin->reason, std::move(o));
      continue;
    }
    if (ran.grammar_ended[i]) {  // the grammar has ended (runner/model_runner.cc: AdvanceGrammar)
      FinishSequence(id, FinishReason::kStop, std::move(o));
      continue;
    }
    o.request_id = seq.request_id;
    o.index = seq.index;
    o.t_first_token_s = seq.t_first_token_s;
    seq.stream->Push(std::move(o));
  }
}

// Folds one step's hidden rows into the sequence's pooled vector, each position once (a
// recompute after preemption sends positions again).
void Engine::Pool(Sequence& seq, const HiddenRowsChunk& chunk) {
  const size_t hidden = static_cast<size_t>(model_->config().hidden_size);
  const int64_t last = seq.num_prompt_tokens - 1;  // the scheduler may have finished it already
  if (seq.pooled.empty()) seq.pooled.assign(hidden, 0.0);
  for (int64_t j = 0; j < chunk.num_rows; ++j) {
    const int64_t p = chunk.first_position + j;
    if (p != seq.pooled_rows) continue;
    const float* h = chunk.rows.data() + static_cast<size_t>(j) * hidden;
    const bool take = seq.params.pooling == SamplingParams::Pooling::kMean ||
                      (seq.params.pooling == SamplingParams::Pooling::kCls && p == 0) ||
                      (seq.params.pooling == SamplingParams::Pooling::kLast && p == last);
    if (take)
      for (size_t d = 0; d < hidden; ++d) seq.pooled[d] += h[d];
    ++seq.pooled_rows;
  }
}

// Pushes the final output of a live or deferred sequence and forgets it.
void Engine::FinishSequence(int64_t seq_id, FinishReason reason, RequestOutput out) {
  std::unique_ptr<Sequence> seq;
  if (auto it = seqs_.find(seq_id); it != seqs_.end()) {
    seq = std::move(it->second);
    seqs_.erase(it);
    sched_.Finish(seq_id);  // no-op when the scheduler already ended it
    runner_.RemoveSequence(seq_id);
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

// A stop string matched on the reader's side: release the sequence (its stream already holds
// the final output and drops this one).
void Engine::StopNow(const std::string& request_id, int32_t index) {
  auto it = request_seqs_.find(request_id);
  if (it == request_seqs_.end()) return;
  for (int64_t id : std::vector<int64_t>(it->second)) {
    auto s = seqs_.find(id);
    const bool match = s != seqs_.end() ? s->second->index == index : false;
    if (!match) {
      bool deferred_match = false;
      for (const auto& [leader, seq] : deferred_)
        if (seq->seq_id == id && seq->index == index) deferred_match = true;
      if (!deferred_match) continue;
    }
    RequestOutput out;
    if (const SchedRequest* r = sched_.Get(id)) {
      out.usage.prompt_tokens = r->num_prompt_tokens;
      out.usage.completion_tokens = r->num_output_tokens();
    }
    FinishSequence(id, FinishReason::kStop, std::move(out));
    return;
  }
}

Result<const GrammarVocab*> Engine::Grammar() {
  std::lock_guard<std::mutex> lock(grammar_mu_);
  if (!grammar_vocab_) {
    if (!tokenizer_) return InvalidArgument("structured output needs a tokenizer; this model has none");
    auto v = GrammarVocab::Create(*tokenizer_, model_->config().vocab_size, sched_config_.eos_token_ids);
    if (!v.ok()) return v.status();
    grammar_vocab_ = std::move(v.value());
  }
  return grammar_vocab_.get();
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
  s.state_slots_total = kv_.state_slots().num_slots();
  s.state_slots_free = kv_.state_slots().NumFree();
  s.state_snapshots_total = kv_.config().num_state_snapshots;
  s.state_snapshots_attached = kv_.num_state_snapshots_attached();
  s.state_snapshot_hits = kv_.state_snapshot_hits();
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
