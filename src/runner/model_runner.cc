#include "runner/model_runner.h"

#include <algorithm>

#include "runner/batch_builder.h"
#include "sampler/raw_logprobs.h"
#include "util/check.h"

namespace vllm {

ModelRunner::ModelRunner(Model* model, RunnerConfig config)
    : model_(model),
      backend_(model->backend()),
      config_(std::move(config)),
      cache_(backend_, model->MakeKvSpec(config_.block_size, config_.num_blocks, config_.kv_dtype),
             model->state_spec(), config_.num_state_slots) {
  sampling_.eos_ids = config_.eos_ids;
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

void ModelRunner::RemoveSequence(int64_t seq_id) { seqs_.erase(seq_id); }

void ModelRunner::Forward(const BatchInputs& in) {
  const size_t vocab = static_cast<size_t>(model_->config().vocab_size);
  const size_t bytes = std::max<size_t>(1, in.logits_indices.size()) * vocab * sizeof(float);
  if (logits_.size() < bytes) logits_ = backend_.Alloc(bytes);
  const BatchView view = backend_.Stage(in.View());
  model_->Forward(view, cache_.kv_layers(), StateLayers{cache_.state_layers()}, logits_.data<float>());
}

const ModelRunnerOutput& ModelRunner::Execute(const SchedulerOutput& out, const Scheduler& sched,
                                              const KvCacheManager& kv) {
  BuildBatchInputs(out, sched, kv, &inputs_);
  Forward(inputs_);
  output_.seq_ids.clear();
  sampling_.Clear();
  for (const ScheduledSeq& s : out.seqs) {
    if (!s.samples) continue;
    SeqSampling& q = seqs_.at(s.seq_id);
    output_.seq_ids.push_back(s.seq_id);
    if (q.matcher && !q.mask_ready) {
      // A failed matcher leaves an empty mask; the sampled token is then rejected below.
      (void)q.matcher->FillMask(q.mask);
      q.mask_ready = true;
    }
    sampling_.Add(q.params, q.state, q.matcher ? q.mask.data() : nullptr);
  }
  output_.samples.assign(output_.seq_ids.size(), SampleOutput{});
  backend_.Sample(logits_.data<float>(), model_->config().vocab_size, sampling_, output_.samples);
  output_.token_ids.clear();
  output_.grammar_ended.assign(output_.seq_ids.size(), 0);
  for (size_t i = 0; i < output_.seq_ids.size(); ++i) {
    const int32_t token = output_.samples[i].token_id;
    output_.token_ids.push_back(token);
    SeqSampling& q = seqs_.at(output_.seq_ids[i]);
    q.state.Append(token);
    if (q.matcher) output_.grammar_ended[i] = AdvanceGrammar(q, token) ? 1 : 0;
  }
  ScorePromptRows(out, sched);
  return output_;
}

// The next mask is computed right after the token (the matcher is warm, and an error shows
// now). A complete grammar allows EOS alone: the next step samples that EOS and the scheduler
// stops the sequence as for any EOS, so the token chain and usage equal those of a model that
// wrote the same text unconstrained (vLLM counts it the same way). Only while min_tokens
// still masks EOS would that step have nothing to sample: the sequence ends here instead.
bool ModelRunner::AdvanceGrammar(SeqSampling& q, int32_t token_id) {
  q.mask_ready = false;
  const auto& eos = config_.eos_ids;
  const bool is_eos = std::find(eos.begin(), eos.end(), token_id) != eos.end();
  if (!q.matcher->Consume(token_id).ok() || is_eos) return true;
  if (q.matcher->IsStopped()) {
    // llguidance stops as soon as nothing but EOS can follow: that EOS is the next token.
    std::fill(q.mask.begin(), q.mask.end(), 0u);
    for (int32_t id : eos)
      if (id >= 0 && (id >> 5) < static_cast<int32_t>(q.mask.size())) q.mask[id >> 5] |= 1u << (id & 31);
  } else if (!q.matcher->FillMask(q.mask).ok()) {
    return true;
  }
  q.mask_ready = true;
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
  Forward(in);
  host_logits_.resize(in.logits_indices.size() * static_cast<size_t>(model_->config().vocab_size));
  backend_.CopyToHost(host_logits_.data(), logits_.data(), host_logits_.size() * sizeof(float));
  return host_logits_;
}

}  // namespace vllm
