#include "sampler/logits_processors.h"

#include <algorithm>
#include <limits>

#include "util/check.h"

namespace vllm {

void ApplyMinTokens(std::span<float> logits, const SamplingParams& params,
                    int32_t num_generated, std::span<const int32_t> eos_ids) {
  if (num_generated >= params.min_tokens) return;
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  const int64_t vocab = static_cast<int64_t>(logits.size());
  for (int32_t id : eos_ids)
    if (id >= 0 && id < vocab) logits[id] = kNegInf;
  for (int32_t id : params.stop_token_ids) {
    CHECK(id >= 0 && id < vocab) << "stop_token_ids " << id << ": call Validate() first";
    logits[id] = kNegInf;
  }
}

void ApplyLogitBias(std::span<float> logits, const SamplingParams& params) {
  const int64_t vocab = static_cast<int64_t>(logits.size());
  for (const auto& [id, bias] : params.logit_bias) {
    CHECK(id >= 0 && id < vocab) << "logit_bias id " << id << ": call Validate() first";
    logits[id] += std::clamp(bias, -kMaxLogitBias, kMaxLogitBias);
  }
}

void ApplyPenalties(std::span<float> logits, const SamplingParams& params,
                    const SequenceSamplerState& state) {
  if (!params.has_penalties()) return;
  CHECK(state.tracks_tokens) << "penalties requested but the state was created without them; "
                                "create it with the same SamplingParams";
  const int64_t vocab = static_cast<int64_t>(logits.size());
  const float r = params.repetition_penalty;
  auto repeat = [&](int32_t id) {
    CHECK(id >= 0 && id < vocab) << "token id " << id << " outside vocab " << vocab;
    float& l = logits[id];
    l = l > 0.0f ? l / r : l * r;  // both push the logit toward "less likely"
  };
  if (r != 1.0f) {
    for (int32_t id : state.prompt_token_ids) repeat(id);
    // Output tokens that were also in the prompt were penalised once above, not twice.
    for (const auto& [id, count] : state.output_counts)
      if (!state.InPrompt(id)) repeat(id);
  }
  const float f = params.frequency_penalty;
  const float p = params.presence_penalty;
  if (f != 0.0f || p != 0.0f) {
    for (const auto& [id, count] : state.output_counts) {
      CHECK(id >= 0 && id < vocab) << "output token id " << id << " outside vocab " << vocab;
      logits[id] -= f * static_cast<float>(count);
      if (count > 0) logits[id] -= p;
    }
  }
}

void ApplyLogitsProcessors(std::span<float> logits, const SamplingParams& params,
                           const SequenceSamplerState& state, std::span<const int32_t> eos_ids) {
  ApplyMinTokens(logits, params, state.num_generated, eos_ids);
  ApplyLogitBias(logits, params);
  ApplyPenalties(logits, params, state);
}

}  // namespace vllm
