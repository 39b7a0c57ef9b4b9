// SequenceSamplerState: what the sampler remembers about one sequence between steps: its
// random seed and the token counts the penalties need. Created once when the sequence
// is admitted; the engine calls Append() for every token it accepts into the output.
//
// Memory is sparse on purpose: a vocab-sized count array per sequence would cost 600 KB at
// vocab 152k (times hundreds of running sequences) and a full pass per step to apply.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "sampler/sampling_params.h"

namespace vllm {

struct SequenceSamplerState {
  // params.seed when set, otherwise the engine's fallback seed. A non-greedy token at output
  // position i draws u = PhiloxUniform(seed, i) (util/philox.h): one number per token from a
  // counter-based generator, so a seeded request yields the same tokens whatever else shares
  // its batch, on any thread count, on the CPU and the GPU.
  uint64_t seed = 0;

  // Penalty bookkeeping; left empty when the params have no penalty (tracks_tokens false).
  bool tracks_tokens = false;
  std::vector<int32_t> prompt_token_ids;  // sorted, unique (repetition penalty only)
  std::unordered_map<int32_t, int32_t> output_counts;  // token id -> times generated

  int32_t num_generated = 0;  // tokens appended so far (drives min_tokens)

  static SequenceSamplerState Create(const SamplingParams& params,
                                     std::span<const int32_t> prompt_ids,
                                     uint64_t fallback_seed);

  SequenceSamplerState() = default;
  SequenceSamplerState(SequenceSamplerState&&) = default;
  SequenceSamplerState& operator=(SequenceSamplerState&&) = default;
  SequenceSamplerState(const SequenceSamplerState&) = delete;
  SequenceSamplerState& operator=(const SequenceSamplerState&) = delete;
  // Explicit copy (DESIGN.md §9.7), e.g. to fork a sequence; the copy draws the same
  // numbers, so give it another seed if the fork must draw differently.
  SequenceSamplerState Clone() const;

  // Records a generated token: bumps num_generated and, when tracking, its count.
  void Append(int32_t token_id);

  int32_t OutputCount(int32_t token_id) const;
  bool InPrompt(int32_t token_id) const;
};

}  // namespace vllm
