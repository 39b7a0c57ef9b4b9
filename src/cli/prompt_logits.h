// Prompt scoring for `generate --dump-logits`: runs the prompt through the model on a
// private paged cache and returns the logits at chosen positions. Diagnostic path used by
// the conformance tests; generation itself goes through the engine.
#pragma once

#include <cstdint>
#include <vector>

#include "model/model.h"

namespace vllm::cli {

// logits [positions.size(), vocab] for prompt positions (each in [0, prompt.size())).
std::vector<float> PromptLogits(Model& model, const std::vector<int32_t>& prompt,
                                const std::vector<int64_t>& positions, int64_t block_size,
                                DType kv_dtype);

}  // namespace vllm::cli
