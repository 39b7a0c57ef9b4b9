// The sampling step: one row of logits (or a batch of rows, each with its own request's
// params and state) -> one token id per row, plus raw logprobs when asked.
//
// Per row, in vLLM v1's order:
//   1. raw logprobs (only if params.logprobs >= 0): log_softmax of the logits as the model
//      produced them, before anything below (raw_logprobs.h explains why);
//   2. min_tokens masking, logit_bias, repetition/frequency/presence penalties
//      (logits_processors.h), then a grammar's allowed-token mask (allowed_mask.h);
//   3. greedy (temperature < 1e-5): argmax, lowest id on ties; no random draw.
//      Otherwise temperature, min-p, top-k, top-p (candidate_filter.h), then ONE uniform from
//      the sequence's own generator inverts the CDF of the renormalized survivors.
// The row's logits are overwritten (they are scratch once sampled).
//
// Threading: rows are independent; SampleBatch splits them over the pool. Each row reads
// only its own state and draws from (seed, position), so results do not depend on the pool
// size or on batch composition.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <utility>
#include <vector>

#include "sampler/sample_output.h"
#include "sampler/sampler_scratch.h"
#include "sampler/sampling_batch.h"
#include "sampler/sampling_params.h"
#include "sampler/sequence_sampler_state.h"
#include "util/thread_pool.h"

namespace vllm {


// Samples one row. logits has the vocab width; eos_ids are the model's EOS ids (masked
// while state.num_generated < params.min_tokens). A non-greedy row draws its one uniform as
// PhiloxUniform(state.seed, state.num_generated). Does not Append the token to the state:
// the runner does that when it accepts it. Precondition: params.Validate(vocab) is ok,
// state made from the same params. allowed: the row's grammar mask, or nullptr.
SampleOutput Sample(std::span<float> logits, const SamplingParams& params,
                    const SequenceSamplerState& state, std::span<const int32_t> eos_ids,
                    SamplerScratch& scratch, const uint32_t* allowed = nullptr);

// Owns one scratch per pool thread, so a batch allocates nothing vocab-sized: the only
// allocations are the small top_logprobs vectors of rows that ask for logprobs.
// One SampleBatch at a time (the engine's step thread); it is not reentrant.
class Sampler {
 public:
  // pool may be null (rows run on the calling thread); it must outlive the Sampler.
  explicit Sampler(int64_t vocab_size, ThreadPool* pool = nullptr);
  Sampler(const Sampler&) = delete;
  Sampler& operator=(const Sampler&) = delete;

  int64_t vocab_size() const { return vocab_size_; }

  // logits: [batch.num_rows(), vocab_size] row-major, overwritten. Row r uses
  // *batch.params[r] and *batch.states[r] and writes outputs[r].
  void SampleBatch(float* logits, const SamplingBatch& batch, std::span<SampleOutput> outputs);

 private:
  SamplerScratch* AcquireScratch();
  void ReleaseScratch(SamplerScratch* scratch);

  int64_t vocab_size_;
  ThreadPool* pool_;
  std::vector<std::unique_ptr<SamplerScratch>> scratches_;
  std::mutex free_mu_;
  std::vector<SamplerScratch*> free_;  // guarded by free_mu_
};

}  // namespace vllm
