// The logits processors that run before temperature, in vLLM v1's order:
//   min_tokens masking -> logit_bias -> repetition, frequency, presence penalties.
// Each edits one row of logits in place and touches only the few ids it concerns (the ids
// come from SamplingParams::Validate'd params and the sequence's sparse state), so a row
// costs O(ids touched), never O(vocab).
#pragma once

#include <cstdint>
#include <span>

#include "sampler/sampling_params.h"
#include "sampler/sequence_sampler_state.h"

namespace vllm {

// While num_generated < min_tokens, sets EOS ids and stop_token_ids to -inf so the request
// cannot end early. EOS is masked even with ignore_eos (as vLLM does): ignore_eos only means
// EOS does not stop the request. Ids outside [0, logits.size()) in eos_ids are skipped
// (a model config may list an id past the logits width); params ids are validated.
void ApplyMinTokens(std::span<float> logits, const SamplingParams& params,
                    int32_t num_generated, std::span<const int32_t> eos_ids);

// logits[id] += clamp(bias, -100, 100) for each entry.
void ApplyLogitBias(std::span<float> logits, const SamplingParams& params);

// repetition (tokens in prompt or output): logit > 0 ? logit / r : logit * r;
// then frequency: logit -= f * count; presence: logit -= p if count > 0 (output tokens).
// The state must come from SequenceSamplerState::Create with these params.
void ApplyPenalties(std::span<float> logits, const SamplingParams& params,
                    const SequenceSamplerState& state);

// All three, in order.
void ApplyLogitsProcessors(std::span<float> logits, const SamplingParams& params,
                           const SequenceSamplerState& state, std::span<const int32_t> eos_ids);

}  // namespace vllm
