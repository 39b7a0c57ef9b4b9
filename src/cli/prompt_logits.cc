#include "cli/prompt_logits.h"

#include <algorithm>

namespace vllm::cli {

std::vector<float> PromptLogits(Model& model, const std::vector<int32_t>& prompt,
                                const std::vector<int64_t>& positions, int64_t block_size,
                                DType kv_dtype) {
  const int64_t P = static_cast<int64_t>(prompt.size()), V = model.config().vocab_size;
  const int64_t num_blocks = (P + block_size - 1) / block_size;
  KvCacheTensors kv(model.MakeKvSpec(block_size, num_blocks, kv_dtype));
  std::vector<float> dumped(positions.size() * V), logits;
  BatchInputs in;
  // Chunks of the model's scratch size; blocks laid out in order, so slot == position.
  for (int64_t start = 0; start < P; start += model.max_num_tokens()) {
    const int64_t n = std::min<int64_t>(model.max_num_tokens(), P - start);
    in.Clear();
    for (int64_t p = start; p < start + n; ++p) {
      in.token_ids.push_back(prompt[p]);
      in.positions.push_back(static_cast<int32_t>(p));
      in.slot_mapping.push_back(p);
    }
    in.query_start = {0, static_cast<int32_t>(n)};
    in.seq_lens = {static_cast<int32_t>(start + n)};
    in.max_blocks_per_seq = static_cast<int32_t>(num_blocks);
    for (int64_t b = 0; b < num_blocks; ++b) in.block_tables.push_back(static_cast<int32_t>(b));
    std::vector<size_t> slots;
    for (size_t i = 0; i < positions.size(); ++i)
      if (positions[i] >= start && positions[i] < start + n) {
        in.logits_indices.push_back(static_cast<int32_t>(positions[i] - start));
        slots.push_back(i);
      }
    logits.resize(std::max<size_t>(1, in.logits_indices.size()) * V);
    model.Forward(in, kv, logits.data());
    for (size_t j = 0; j < slots.size(); ++j)
      std::copy(logits.begin() + j * V, logits.begin() + (j + 1) * V, dumped.begin() + slots[j] * V);
  }
  return dumped;
}

}  // namespace vllm::cli
