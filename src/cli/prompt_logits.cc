#include "cli/prompt_logits.h"

#include <algorithm>
#include <numeric>

#include "runner/model_runner.h"

namespace vllm::cli {

std::vector<float> PromptLogits(Model& model, const std::vector<int32_t>& prompt,
                                const std::vector<int64_t>& positions, int64_t block_size,
                                DType kv_dtype, int64_t chunk) {
  const int64_t P = static_cast<int64_t>(prompt.size()), V = model.config().vocab_size;
  const int64_t num_blocks = (P + block_size - 1) / block_size;
  const int32_t slots = model.state_spec().empty() ? 0 : 1;
  ModelRunner runner(&model, {.block_size = block_size, .num_blocks = num_blocks, .kv_dtype = kv_dtype,
                              .num_state_slots = slots});
  const int64_t step = chunk > 0 ? std::min(chunk, model.max_num_tokens()) : model.max_num_tokens();
  std::vector<int32_t> blocks(num_blocks);
  std::iota(blocks.begin(), blocks.end(), 0);  // blocks in order: slot == position
  std::vector<float> dumped(positions.size() * V);
  BatchInputs in;
  // Chunks of the model's scratch size, each continuing the cache of the ones before.
  for (int64_t start = 0; start < P; start += step) {
    const int64_t n = std::min<int64_t>(step, P - start);
    in.Begin(static_cast<int32_t>(num_blocks));
    in.AddSequence({prompt.data() + start, static_cast<size_t>(n)}, start, blocks, block_size,
                   /*samples=*/false, /*state_slot=*/slots > 0 ? 0 : -1);
    std::vector<size_t> slots;
    for (size_t i = 0; i < positions.size(); ++i)
      if (positions[i] >= start && positions[i] < start + n) {
        in.logits_indices.push_back(static_cast<int32_t>(positions[i] - start));
        slots.push_back(i);
      }
    std::span<const float> logits = runner.Logits(in);
    for (size_t j = 0; j < slots.size(); ++j)
      std::copy(logits.begin() + j * V, logits.begin() + (j + 1) * V, dumped.begin() + slots[j] * V);
  }
  return dumped;
}

}  // namespace vllm::cli
