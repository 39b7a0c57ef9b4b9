// nemotron_h (NVIDIA Nemotron-H / Nemotron-3-Nano, MOE_HYBRID.md §2): a stack of pre-norm
// residual layers, each ONE mixer: Mamba2 ('M'), attention without RoPE ('*'), routed relu2
// experts with a shared expert ('E') or a dense relu2 MLP ('-').
//
// Cache: the attention layers use the paged K/V (kv[k] is the k-th '*' layer); each Mamba
// layer keeps a fixed-size per-sequence state in the cache's state group (state.layers[k] is
// the k-th 'M' layer's slab, kernels/mamba.h has the slot layout). A chunk starting at
// position 0 starts from zero state, so chunked prefill continues from the slot and a
// recomputed (preempted) sequence restarts cleanly.
#pragma once

#include <memory>
#include <vector>

#include "kernels/backend.h"
#include "model/model.h"
#include "model/nemotron_h_weights.h"
#include "model/weight_arena.h"

namespace vllm {

class NemotronHModel : public Model {
 public:
  NemotronHModel(ModelConfig config, std::unique_ptr<Backend> backend, WeightArena arena,
                 NemotronHWeights weights, int64_t max_num_tokens);

  const ModelConfig& config() const override { return config_; }
  int64_t max_num_tokens() const override { return max_num_tokens_; }
  Backend& backend() override { return *backend_; }
  void Forward(const BatchView& batch, std::span<const KvLayer> kv, StateLayers state,
               float* logits) override;
  size_t WeightBytes() const override { return arena_.bytes(); }
  const float* LastHidden() const override { return normed_.data<float>(); }
  KvCacheSpec MakeKvSpec(int64_t block_size, int64_t num_blocks, DType dtype) const override;
  StateSpec state_spec() const override;

 private:
  // Each mixer reads normed_ [T, hidden] and writes its output into proj_ [T, hidden].
  void Mamba(const MambaMixer& m, const BatchView& batch, MambaState state);
  void Attention(const AttentionMixer& a, const BatchView& batch, KvLayer kv);
  void Experts(const MoeMlp& m, int64_t num_tokens, int64_t num_decode_tokens);
  void DenseMlp(const Relu2Mlp& m, int64_t num_tokens, int64_t num_decode_tokens);

  ModelConfig config_;
  std::unique_ptr<Backend> backend_;
  WeightArena arena_;
  NemotronHWeights weights_;
  MambaShape mamba_;
  int64_t max_num_tokens_;
  std::vector<DeviceBuffer> A_;  // per Mamba layer f32 [H] = -exp(A_log), on the device
  // Scratch (f32 on the device, sized for max_num_tokens): hidden_ the residual stream,
  // normed_ the current mixer's input, proj_ its output.
  DeviceBuffer hidden_, normed_, proj_;
  DeviceBuffer zxbcdt_, conv_out_, ssm_y_;  // Mamba: [T, I+C+H], [T, C], [T, I]
  DeviceBuffer q_, k_, v_, attn_;           // attention
  DeviceBuffer mlp_up_;                     // dense '-': [T, intermediate]
  DeviceBuffer router_logits_, expert_ids_, expert_weights_;  // MoE: [T, E], [T, k], [T, k]
};

}  // namespace vllm
