// Which steps replay a captured graph (Backend::RunGraph) and under what key, as vLLM's
// cudagraph capture sizes: a pure-decode step of n sequences (each a decode step:
// batch_builder.h's IsDecodeStep) runs padded to the smallest batch bucket >= n, with its
// block tables padded to a power-of-two stride, so a few graphs cover every decode step.
// Padding rows are inert (BatchInputs::AddPaddingRow); every kernel computes a row from that
// row alone, so a padded step gives the real rows bit-identical results (the device tests
// check replay == eager).
#pragma once

#include <cstdint>


namespace vllm {

struct DecodeGraphPlan {
  int32_t batch = 0;   // rows after padding; 0: run eagerly
  int32_t stride = 0;  // block-table stride after padding
  bool graphed() const { return batch > 0; }
  // Everything the staged layout and the captured launches depend on: the batch, the stride
  // and whose buffers (logits, KV cache) the capture wrote (`owner`: one id per runner, since
  // successive engines may share one model and its backend).
  uint64_t key(uint32_t owner) const {
    return static_cast<uint64_t>(batch) | static_cast<uint64_t>(stride) << 16 | static_cast<uint64_t>(owner) << 40;
  }
};

// The largest batch captured; bigger decode steps run eagerly.
inline constexpr int32_t kMaxGraphBatch = 256;

// Smallest bucket >= n: 1, 2, 4, 8, then multiples of 8 to 64, of 32 to kMaxGraphBatch.
// Buckets never straddle 8, where the matmul changes kernels (matmul.cu), so padding never
// changes a row's arithmetic. 0 when n is out of range.
inline int32_t GraphBatchBucket(int32_t n) {
  if (n <= 0 || n > kMaxGraphBatch) return 0;
  if (n <= 8) {
    int32_t b = 1;
    while (b < n) b *= 2;
    return b;
  }
  const int32_t step = n <= 64 ? 8 : 32;
  return (n + step - 1) / step * step;
}

// The plan for a step of num_seqs sequences, num_decode of them decode steps (IsDecodeStep;
// only all-decode steps are graphed), max_blocks its longest block table, max_tokens the
// model's scratch.
inline DecodeGraphPlan PlanDecodeGraph(int32_t num_decode, int32_t num_seqs, int32_t max_blocks, int64_t max_tokens) {
  if (num_decode != num_seqs) return {};
  const int32_t batch = GraphBatchBucket(num_seqs);
  if (batch == 0 || batch > max_tokens) return {};
  int32_t stride = 16;
  while (stride < max_blocks) stride *= 2;
  return {.batch = batch, .stride = stride};
}

}  // namespace vllm
