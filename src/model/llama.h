// The Llama family: llama, qwen2 (q/k/v biases, head_dim = hidden/heads), qwen3
// (per-head RMSNorm on Q and K before RoPE) and qwen3_moe (qwen3 whose sparse layers route
// each token to k of E experts, MOE_HYBRID.md §1) differ only in flags and in each layer's MLP
// variant, so one forward serves all four (MLX_FORMAT.md §B1-B3). Every op goes through the Backend; the model owns its
// backend, its weights (an arena on the backend's device) and its scratch.
#pragma once

#include <memory>
#include <vector>

#include "kernels/backend.h"
#include "model/llama_weights.h"
#include "model/model.h"
#include "model/weight_arena.h"

namespace vllm {

class TensorParallelOps;

class LlamaModel : public Model {
 public:
  LlamaModel(ModelConfig config, std::unique_ptr<Backend> backend, WeightArena arena,
             LlamaWeights weights, int64_t max_num_tokens);

  const ModelConfig& config() const override { return config_; }
  int64_t max_num_tokens() const override { return max_num_tokens_; }
  Backend& backend() override { return *backend_; }
  void Forward(const BatchView& batch, std::span<const KvLayer> kv, StateLayers state,
               float* logits) override;
  size_t WeightBytes() const override { return arena_.bytes(); }
  const float* LastHidden() const override { return normed_.data<float>(); }
  KvCacheSpec MakeKvSpec(int64_t block_size, int64_t num_blocks, DType dtype) const override;
  // Tensor parallelism (src/dist/): this model holds one rank's shard (its config is the
  // shard's: heads, KV heads and intermediate sizes divided), and `tp` adds the collectives.
  void SetTensorParallel(std::shared_ptr<TensorParallelOps> tp) { tp_ = std::move(tp); }

 private:
  // Each block reads its input already normed in normed_ and leaves the next block's there:
  // it ends with the residual add fused with the following RMSNorm (AddRmsNorm), except the
  // last layer's MLP, whose final norm runs on the sampled rows only.
  void AttentionBlock(const AttentionMixer& a, const float* post_norm,
                      const BatchView& batch, KvLayer kv);
  // The layer's MLP (dense or routed experts) into proj_, then the residual.
  void MlpBlock(int64_t layer, const DecoderLayer& l, int64_t num_tokens, int64_t num_decode_tokens);
  void DenseMlpInto(const DenseMlp& m, int64_t num_tokens, int64_t num_decode_tokens, float* out);
  void MoeMlpInto(const MoeMlp& m, int64_t num_tokens, int64_t num_decode_tokens, float* out);
  const WeightMatrix& OutputProjection() const {
    return weights_.lm_head ? *weights_.lm_head : weights_.embed_tokens;
  }

  ModelConfig config_;
  std::unique_ptr<Backend> backend_;
  WeightArena arena_;
  LlamaWeights weights_;
  int64_t max_num_tokens_;
  DeviceBuffer inv_freq_;  // f32 [head_dim / 2], on the device
  // Scratch (f32, on the device) sized for max_num_tokens at construction; Forward never
  // allocates. hidden_ is the residual stream [T, H]; normed_ the current block's input.
  DeviceBuffer hidden_, normed_, q_, k_, v_, attn_, proj_, gate_, up_;
  // MoE layers only: router logits f32 [T, E], chosen ids int32 [T, k] and weights f32 [T, k].
  DeviceBuffer router_logits_, expert_ids_, expert_weights_;
  std::shared_ptr<TensorParallelOps> tp_;  // null: the whole model in this process
};

}  // namespace vllm
