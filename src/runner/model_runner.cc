#include "runner/model_runner.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include "runner/batch_builder.h"
#include "sampler/raw_logprobs.h"
#include "util/check.h"

namespace vllm {

namespace {

int GrammarThreads(int requested, Backend& backend) {
  if (requested >= 0) return requested;
  if (backend.device() == Device::kCuda) return 2;
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  return backend.pool().num_threads() + 2 <= cores ? 2 : 0;
}

}  // namespace

ModelRunner::ModelRunner(Model* model, RunnerConfig config)
    : model_(model),
      backend_(model->backend()),
      config_(std::move(config)),
      cache_(backend_, model->MakeKvSpec(config_.block_size, config_.num_blocks, config_.kv_dtype),
             model->state_spec(), config_.num_state_slots + config_.num_state_snapshots),
      mask_workers_(GrammarThreads(config_.grammar_threads, backend_)) {
  sampling_.eos_ids = config_.eos_ids;
  static std::atomic<uint32_t> next_owner{1};
  graph_owner_ = next_owner.fetch_add(1);
}

// Graphs captured by this runner wrote its cache and logits: they must not outlive them.
ModelRunner::~ModelRunner() {
  mask_workers_.Wait();
  backend_.ResetGraphs();
}

void ModelRunner::AddSequence(int64_t seq_id, const SamplingParams& params,
                              std::span<const int32_t> prompt, uint64_t fallback_seed,
                              std::unique_ptr<GrammarMatcher> matcher) {
  SeqSampling s{.params = params, .state = SequenceSamplerState::Create(params, prompt, fallback_seed),
                .matcher = std::move(matcher)};
  if (s.matcher) s.mask.resize(static_cast<size_t>(s.matcher->mask_words()));
  const bool fresh = seqs_.emplace(seq_id, std::move(s)).second;
  CHECK(fresh) << "sequence " << seq_id << " added twice";
}

void ModelRunner::RemoveSequence(int64_t seq_id) {
  FinishMasks();  // a worker may still be filling this sequence's mask
  seqs_.erase(seq_id);
}

void ModelRunner::FinishMasks() {
  mask_workers_.Wait();
  for (SeqSampling* q : masks_in_flight_)
    if (q->mask_failed) {
      // As when the matcher stops: the next token is EOS, which ends the grammar.
      SetEosOnlyMask(*q);
      q->mask_failed = false;
    }
  masks_in_flight_.clear();
}

void ModelRunner::SetEosOnlyMask(SeqSampling& q) const {
  std::fill(q.mask.begin(), q.mask.end(), 0u);
  for (int32_t id : config_.eos_ids)
    if (id >= 0 && (id >> 5) < static_cast<int32_t>(q.mask.size())) q.mask[id >> 5] |= 1u << (id & 31);
}

void ModelRunner::Forward(const BatchInputs& in, const DecodeGraphPlan& graph) {
  const size_t vocab = static_cast<size_t>(model_->config().vocab_size);
  const size_t bytes = std::max<size_t>(1, in.logits_indices.size()) * vocab * sizeof(float);
  if (logits_.size() < bytes) {
    logits_ = DeviceBuffer();  // captured graphs wrote the old buffer: they go with it
    backend_.ResetGraphs();
    logits_ = backend_.Alloc(bytes);
  }
  const BatchView view = backend_.Stage(in.View());
  auto forward = [&] {
    model_->Forward(view, cache_.kv_layers(), StateLayers{cache_.state_layers()}, logits_.data<float>());
  };
  if (graph.graphed()) return backend_.RunGraph(graph.key(graph_owner_), forward);
  forward();
}

const ModelRunnerOutput& ModelRunner::Execute(const SchedulerOutput& out, const Scheduler& sched,
                                              const KvCacheManager& kv) {
  // Decode steps first (BatchView::num_decode_tokens: their matmul rows get the decode
  // numerics whatever else runs); the outputs go back in `out`'s order below.
  ordered_.seqs.clear();
  int32_t num_decode = 0;
  for (const bool decode : {true, false})
    for (const ScheduledSeq& s : out.seqs) {
      const SchedRequest* r = sched.Get(s.seq_id);
      CHECK(r != nullptr) << "scheduled an unknown sequence " << s.seq_id;
      if (IsDecodeStep(s, *r) != decode) continue;
      ordered_.seqs.push_back(s);
      num_decode += decode;
    }
  // Profiling times each op with a sync, which a graph cannot hold; so does a MoE layer on
  // CUDA (its expert dispatch reads the router's choice on the host).
  DecodeGraphPlan graph;
  if (config_.cuda_graphs && backend_.SupportsGraphs() && !StepProfile::Enabled() &&
      model_->config().num_experts == 0)
    graph = PlanDecodeGraph(num_decode, static_cast<int32_t>(ordered_.seqs.size()), MaxBlocks(ordered_, kv),
                            model_->max_num_tokens());
  CopyStates(out.state_copies);
  BuildBatchInputs(ordered_, sched, kv, &inputs_, graph.stride);
  if (graph.graphed())
    while (inputs_.num_seqs() < graph.batch) inputs_.AddPaddingRow();
  Forward(inputs_, graph);
  FinishMasks();  // computed by the workers while this step was scheduled and run
  sampled_ids_.clear();
  sampling_.Clear();
  for (const ScheduledSeq& s : ordered_.seqs) {
    if (!s.samples) continue;
    SeqSampling& q = seqs_.at(s.seq_id);
    sampled_ids_.push_back(s.seq_id);
    if (q.matcher && !q.mask_ready) {
      // A failed matcher leaves an empty mask; the sampled token is then rejected below.
      (void)q.matcher->FillMask(q.mask);
      q.mask_ready = true;
    }
    sampling_.Add(q.params, q.state, q.matcher ? q.mask.data() : nullptr);
  }
  samples_.assign(sampled_ids_.size(), SampleOutput{});
  backend_.Sample(logits_.data<float>(), model_->config().vocab_size, sampling_, samples_);
  // Back to `out`'s order: Scheduler::Update zips out.seqs with token_ids.
  sampled_row_.clear();
  grammar_ended_.assign(sampled_ids_.size(), 0);
  mask_jobs_.clear();
  for (size_t i = 0; i < sampled_ids_.size(); ++i) {
    sampled_row_[sampled_ids_[i]] = i;
    SeqSampling& q = seqs_.at(sampled_ids_[i]);
    q.state.Append(samples_[i].token_id);
    if (q.matcher) grammar_ended_[i] = AdvanceGrammar(q, samples_[i].token_id) ? 1 : 0;
  }
  mask_workers_.Start(std::move(mask_jobs_));
  output_.seq_ids.clear();
  output_.token_ids.clear();
  output_.samples.clear();
  output_.grammar_ended.clear();
  for (const ScheduledSeq& s : out.seqs) {
    if (!s.samples) continue;
    const size_t row = sampled_row_.at(s.seq_id);
    SampleOutput& o = samples_[row];
    output_.seq_ids.push_back(s.seq_id);
    output_.token_ids.push_back(o.token_id);
    output_.grammar_ended.push_back(grammar_ended_[row]);
    output_.samples.push_back(std::move(o));
  }
  ScorePromptRows(ordered_, sched);
  return output_;
}

// Through host memory (CopyToHost + CopyToDevice): correct on every backend, and a snapshot is
// taken or restored once per prompt, not per step (47.6 MiB for Nemotron-Nano).
void ModelRunner::CopyStates(std::span<const StateCopy> copies) {
  if (copies.empty()) return;
  const size_t bytes = model_->state_spec().bytes_per_slot;
  const int32_t num_slots = config_.num_state_slots + config_.num_state_snapshots;
  state_staging_.resize(bytes);
  for (const StateCopy& c : copies) {
    CHECK(c.src_slot >= 0 && c.src_slot < num_slots && c.dst_slot >= 0 && c.dst_slot < num_slots)
        << "state copy " << c.src_slot << " -> " << c.dst_slot << " outside the " << num_slots << " slots";
    for (void* layer : cache_.state_layers()) {
      auto* base = static_cast<std::byte*>(layer);
      backend_.CopyToHost(state_staging_.data(), base + static_cast<size_t>(c.src_slot) * bytes, bytes);
      backend_.CopyToDevice(base + static_cast<size_t>(c.dst_slot) * bytes, state_staging_.data(), bytes);
    }
  }
}

// The token is consumed at once (an error shows now); the next mask is queued for the mask
// workers, which fill it while the next step is scheduled and run (FinishMasks waits for it),
// except while min_tokens holds, whose check below needs the mask now. A complete grammar
// allows EOS alone: the next step samples that EOS and the scheduler stops the sequence as
// for any EOS, so the token chain and usage equal those of a model that wrote the same text
// unconstrained (vLLM counts it the same way). Only while min_tokens still masks EOS would
// that step have nothing to sample: the sequence ends here instead.
bool ModelRunner::AdvanceGrammar(SeqSampling& q, int32_t token_id) {
  q.mask_ready = false;
  const auto& eos = config_.eos_ids;
  const bool is_eos = std::find(eos.begin(), eos.end(), token_id) != eos.end();
  if (!q.matcher->Consume(token_id).ok() || is_eos) return true;
  q.mask_ready = true;
  if (q.matcher->IsStopped()) {
    // llguidance stops as soon as nothing but EOS can follow: that EOS is the next token.
    SetEosOnlyMask(q);
  } else if (q.state.num_generated >= q.params.min_tokens) {
    mask_jobs_.push_back({.matcher = q.matcher.get(), .mask = q.mask, .failed = &q.mask_failed});
    masks_in_flight_.push_back(&q);
    return false;
  } else if (!q.matcher->FillMask(q.mask).ok()) {
    return true;
  }
  return q.state.num_generated < q.params.min_tokens && MaskOnlyAllowsEos(q.mask, config_.eos_ids);
}

void ModelRunner::ScorePromptRows(const SchedulerOutput& out, const Scheduler& sched) {
  output_.prompt_logprobs.clear();
  output_.hidden_rows.clear();
  const size_t vocab = static_cast<size_t>(model_->config().vocab_size);
  const size_t hidden = static_cast<size_t>(model_->config().hidden_size);
  size_t row = output_.seq_ids.size();  // prompt rows follow the sampled ones
  size_t sampled_row = 0;               // this sequence's row among the sampled ones
  for (const ScheduledSeq& s : out.seqs) {
    const size_t my_sampled_row = s.samples ? sampled_row++ : 0;
    const SamplingParams& params = seqs_.at(s.seq_id).params;
    if (params.pooling != SamplingParams::Pooling::kNone) {
      // Its prompt rows, then its sampled row (the prompt's last position): consecutive positions.
      const float* h = model_->LastHidden();
      CHECK(h != nullptr) << "this model keeps no hidden states: it cannot serve embeddings";
      HiddenRowsChunk chunk{.seq_id = s.seq_id, .first_position = s.num_computed_before,
                            .num_rows = s.num_prompt_logits + (s.samples ? 1 : 0), .rows = {}};
      chunk.rows.resize(static_cast<size_t>(chunk.num_rows) * hidden);
      const size_t k = static_cast<size_t>(s.num_prompt_logits);
      if (k > 0) backend_.CopyToHost(chunk.rows.data(), h + row * hidden, k * hidden * sizeof(float));
      if (s.samples)
        backend_.CopyToHost(chunk.rows.data() + k * hidden, h + my_sampled_row * hidden, hidden * sizeof(float));
      output_.hidden_rows.push_back(std::move(chunk));
      row += k;
      continue;
    }
    if (s.num_prompt_logits == 0) continue;
    const SchedRequest* r = sched.Get(s.seq_id);
    const int32_t top_n = params.prompt_logprobs;
    const size_t rows = static_cast<size_t>(s.num_prompt_logits);
    host_logits_.resize(rows * vocab);
    backend_.CopyToHost(host_logits_.data(), logits_.data<float>() + row * vocab, rows * vocab * sizeof(float));
    // Row p (position num_computed_before + j) scores prompt token p + 1.
    PromptLogprobsChunk chunk{.seq_id = s.seq_id, .first_position = s.num_computed_before + 1, .logprobs = {}};
    for (size_t j = 0; j < rows; ++j) {
      const int32_t next = r->token_ids[static_cast<size_t>(chunk.first_position) + j];
      chunk.logprobs.push_back(ScoreToken({host_logits_.data() + j * vocab, vocab}, next, std::max(0, top_n)));
    }
    output_.prompt_logprobs.push_back(std::move(chunk));
    row += rows;
  }
}

std::span<const float> ModelRunner::Logits(const BatchInputs& in) {
  Forward(in, DecodeGraphPlan{});
  host_logits_.resize(in.logits_indices.size() * static_cast<size_t>(model_->config().vocab_size));
  backend_.CopyToHost(host_logits_.data(), logits_.data(), host_logits_.size() * sizeof(float));
  return host_logits_;
}

}  // namespace vllm
