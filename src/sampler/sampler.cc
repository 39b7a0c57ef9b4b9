#include "sampler/sampler.h"

#include <cstring>
#include <limits>

#include "sampler/allowed_mask.h"
#include "sampler/basic_sampler.h"
#include "sampler/candidate_filter.h"
#include "sampler/candidates.h"
#include "sampler/logits_processors.h"
#include "sampler/raw_logprobs.h"
#include "util/check.h"
#include "util/philox.h"

namespace vllm {

SampleOutput Sample(std::span<float> logits, const SamplingParams& params,
                    const SequenceSamplerState& state, std::span<const int32_t> eos_ids,
                    SamplerScratch& scratch, const uint32_t* allowed) {
  const int64_t vocab = static_cast<int64_t>(logits.size());
  CHECK_GT(vocab, 0);
  CHECK_LE(vocab, scratch.vocab_size()) << "scratch sized for a smaller vocab";
  SampleOutput out;
  const bool want_logprobs = params.logprobs >= 0;
  LogSoftmaxStats stats;
  std::span<const float> raw(scratch.raw_logits.data(), vocab);
  if (want_logprobs) {
    // Kept for the chosen token's logprob, which is known only after the processing below.
    std::memcpy(scratch.raw_logits.data(), logits.data(), sizeof(float) * vocab);
    stats = ComputeLogSoftmaxStats(raw);
    TopLogprobs(raw, stats, params.logprobs, &out.top_logprobs);
  }

  ApplyLogitsProcessors(logits, params, state, eos_ids);
  if (allowed != nullptr) ApplyAllowedMask(logits, allowed);

  if (params.greedy()) {
    out.token_id = ArgMax(logits.data(), vocab);
  } else {
    const Candidates c = FilterCandidates(logits, params, scratch);
    // Draw even when the row is degenerate so the stream advances once per sampled token.
    const double u = PhiloxUniform(state.seed, static_cast<uint64_t>(state.num_generated));
    // A row with no finite mass (all -inf after masking, or NaN/+inf from the model) has
    // no distribution to draw from; argmax keeps the server alive and is still a token.
    out.token_id = c.valid() ? DrawToken(c, u) : ArgMax(logits.data(), vocab);
  }
  if (want_logprobs) out.logprob = stats.Logprob(raw[out.token_id]);
  return out;
}

Sampler::Sampler(int64_t vocab_size, ThreadPool* pool) : vocab_size_(vocab_size), pool_(pool) {
  CHECK_GT(vocab_size, 0);
  const int num_scratches = pool ? pool->num_threads() : 1;
  for (int i = 0; i < num_scratches; ++i) {
    scratches_.push_back(std::make_unique<SamplerScratch>(vocab_size));
    free_.push_back(scratches_.back().get());
  }
}

SamplerScratch* Sampler::AcquireScratch() {
  std::lock_guard<std::mutex> lock(free_mu_);
  // ParallelFor runs at most num_threads chunks at once, one scratch each.
  CHECK(!free_.empty()) << "more concurrent chunks than pool threads";
  SamplerScratch* s = free_.back();
  free_.pop_back();
  return s;
}

void Sampler::ReleaseScratch(SamplerScratch* scratch) {
  std::lock_guard<std::mutex> lock(free_mu_);
  free_.push_back(scratch);
}

void Sampler::SampleBatch(float* logits, const SamplingBatch& batch, std::span<SampleOutput> outputs) {
  const size_t num_rows = static_cast<size_t>(batch.num_rows());
  CHECK_EQ(outputs.size(), num_rows);
  auto run_rows = [&](size_t begin, size_t end) {
    SamplerScratch* scratch = AcquireScratch();
    for (size_t r = begin; r < end; ++r) {
      std::span<float> row(logits + static_cast<int64_t>(r) * vocab_size_, vocab_size_);
      outputs[r] = Sample(row, *batch.params[r], *batch.states[r], batch.eos_ids, *scratch,
                          batch.allowed.empty() ? nullptr : batch.allowed[r]);
    }
    ReleaseScratch(scratch);
  };
  // A row costs ~0.1-1 ms at vocab 152k, far above the pool's wake-up cost: grain 1.
  if (pool_ != nullptr && num_rows > 1) {
    pool_->ParallelFor(num_rows, 1, run_rows);
  } else {
    run_rows(0, num_rows);
  }
}

}  // namespace vllm
