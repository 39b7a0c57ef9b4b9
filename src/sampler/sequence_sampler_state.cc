#include "sampler/sequence_sampler_state.h"

#include <algorithm>

namespace vllm {

SequenceSamplerState SequenceSamplerState::Create(const SamplingParams& params,
                                                  std::span<const int32_t> prompt_ids,
                                                  uint64_t fallback_seed) {
  SequenceSamplerState state;
  state.seed = params.seed.value_or(fallback_seed);
  state.tracks_tokens = params.has_penalties();
  // Only the repetition penalty looks at the prompt; skip the sort for the others.
  if (params.repetition_penalty != 1.0f) {
    state.prompt_token_ids.assign(prompt_ids.begin(), prompt_ids.end());
    std::sort(state.prompt_token_ids.begin(), state.prompt_token_ids.end());
    state.prompt_token_ids.erase(
        std::unique(state.prompt_token_ids.begin(), state.prompt_token_ids.end()),
        state.prompt_token_ids.end());
  }
  return state;
}

SequenceSamplerState SequenceSamplerState::Clone() const {
  SequenceSamplerState copy;
  copy.seed = seed;
  copy.tracks_tokens = tracks_tokens;
  copy.prompt_token_ids = prompt_token_ids;
  copy.output_counts = output_counts;
  copy.num_generated = num_generated;
  return copy;
}

void SequenceSamplerState::Append(int32_t token_id) {
  ++num_generated;
  if (tracks_tokens) ++output_counts[token_id];
}

int32_t SequenceSamplerState::OutputCount(int32_t token_id) const {
  auto it = output_counts.find(token_id);
  return it == output_counts.end() ? 0 : it->second;
}

bool SequenceSamplerState::InPrompt(int32_t token_id) const {
  return std::binary_search(prompt_token_ids.begin(), prompt_token_ids.end(), token_id);
}

}  // namespace vllm
