// The Llama family: llama, qwen2 (q/k/v biases, head_dim = hidden/heads) and qwen3
// (per-head RMSNorm on Q and K before RoPE) differ only in flags, so one forward serves all
// three (MLX_FORMAT.md §B1-B3).
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "model/model.h"
#include "model/weight_loader.h"
#include "model/weight_matrix.h"
#include "util/thread_pool.h"

namespace vllm {

struct LlamaLayerWeights {
  WeightMatrix q_proj, k_proj, v_proj, o_proj;
  WeightMatrix gate_proj, up_proj, down_proj;
  AlignedBuffer input_layernorm, post_attention_layernorm;  // f32 [hidden]
  AlignedBuffer q_norm, k_norm;                             // f32 [head_dim], qwen3 only
};

struct LlamaWeights {
  WeightMatrix embed_tokens;
  std::optional<WeightMatrix> lm_head;  // absent when tied: logits use embed_tokens
  AlignedBuffer norm;                   // f32 [hidden]
  std::vector<LlamaLayerWeights> layers;
};

// Reads every tensor of a llama/qwen2/qwen3 checkpoint.
Result<LlamaWeights> LoadLlamaWeights(WeightLoader& loader, const ModelConfig& config);

class LlamaModel : public Model {
 public:
  LlamaModel(ModelConfig config, LlamaWeights weights, const ModelOptions& opts);

  const ModelConfig& config() const override { return config_; }
  int64_t max_num_tokens() const override { return max_num_tokens_; }
  void Forward(const BatchInputs& in, KvCacheTensors& kv, float* logits) override;
  size_t WeightBytes() const override;
  KvCacheSpec MakeKvSpec(int64_t block_size, int64_t num_blocks, DType dtype) const override;

 private:
  // Each block reads its input already normed in normed_ and leaves the next block's there:
  // it ends with the residual add fused with the following RMSNorm (cpu::AddRmsNorm), except the
  // last layer's MLP, whose final norm runs on the sampled rows only.
  void AttentionBlock(int64_t layer, const BatchInputs& in, KvCacheTensors& kv);
  void MlpBlock(int64_t layer, int64_t num_tokens);
  const WeightMatrix& OutputProjection() const {
    return weights_.lm_head ? *weights_.lm_head : weights_.embed_tokens;
  }

  ModelConfig config_;
  LlamaWeights weights_;
  int64_t max_num_tokens_;
  ThreadPool pool_;
  std::vector<float> inv_freq_;
  // Scratch sized for max_num_tokens at construction; Forward never allocates.
  AlignedBuffer hidden_, normed_, q_, k_, v_, attn_, proj_, gate_, up_;
};

}  // namespace vllm
