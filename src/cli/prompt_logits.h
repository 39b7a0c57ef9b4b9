// Prompt scoring for `generate --dump-logits`: runs the prompt through the model on a
// private paged cache and returns the logits at chosen positions. Diagnostic path used by
// the conformance tests; generation itself goes through the engine.
#pragma once

#include <cstdint>
#include <vector>

#include "model/model.h"

namespace vllm::cli {

// logits [positions.size(), vocab] for prompt positions (each in [0, prompt.size())), the
// prompt run in chunks of at most `chunk` tokens (0: the model's max_num_tokens), each chunk
// continuing the cache (and, for recurrent models, the state slot) of the ones before.
std::vector<float> PromptLogits(Model& model, const std::vector<int32_t>& prompt,
                                const std::vector<int64_t>& positions, int64_t block_size,
                                DType kv_dtype, int64_t chunk = 0);

}  // namespace vllm::cli
