// SamplingBatch: one step's sampling inputs, a row per sequence that samples, as a struct of
// arrays: the scalar columns are what a device sampler copies (one transfer per column); the
// sparse per-row parts (logit_bias, penalty counts, stop ids for min_tokens) stay behind
// pointers into the runner's per-sequence state, read where the row is processed.
// Built by the runner each step (Clear + Add per row; vectors keep their capacity).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "sampler/sampling_params.h"
#include "sampler/sequence_sampler_state.h"

namespace vllm {

struct SamplingBatch {
  std::vector<float> temperature;   // < kGreedyTemperature: greedy
  std::vector<float> top_p;
  std::vector<int32_t> top_k;
  std::vector<float> min_p;
  std::vector<int32_t> num_logprobs;  // -1: none
  std::vector<uint64_t> seed;         // Philox key (util/philox.h)
  std::vector<int32_t> position;      // output index of the token drawn: the Philox counter
  std::vector<uint8_t> has_edits;     // min_tokens mask, logit_bias, penalties or a grammar mask apply

  std::vector<const SamplingParams*> params;
  std::vector<const SequenceSamplerState*> states;
  // Grammar-constrained rows: the allowed-token mask (sampler/allowed_mask.h), owned by the
  // runner for the step; nullptr = unconstrained.
  std::vector<const uint32_t*> allowed;
  std::span<const int32_t> eos_ids;  // the model's EOS ids (masked under min_tokens)

  int64_t num_rows() const { return static_cast<int64_t>(temperature.size()); }
  void Clear() {
    temperature.clear(), top_p.clear(), top_k.clear(), min_p.clear(), num_logprobs.clear();
    seed.clear(), position.clear(), has_edits.clear(), params.clear(), states.clear(), allowed.clear();
  }
  void Add(const SamplingParams& p, const SequenceSamplerState& s, const uint32_t* allowed_mask = nullptr) {
    temperature.push_back(p.temperature);
    top_p.push_back(p.top_p);
    top_k.push_back(p.top_k);
    min_p.push_back(p.min_p);
    num_logprobs.push_back(p.logprobs);
    seed.push_back(s.seed);
    position.push_back(s.num_generated);
    has_edits.push_back(s.num_generated < p.min_tokens || !p.logit_bias.empty() || p.has_penalties() ||
                        allowed_mask != nullptr);
    params.push_back(&p);
    states.push_back(&s);
    allowed.push_back(allowed_mask);
  }
};

}  // namespace vllm
