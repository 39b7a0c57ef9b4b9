// Gemma 3 (text): the llama layout with four differences in the layer and three around it
// (Gemma3ForCausalLM / llama.cpp's gemma3 graph):
//   x = embed(ids) * sqrt(H)
//   per layer:  h = attn(rms(x; in_norm)) -> rms(h; post_attn_norm);  x += h
//               h = mlp(rms(x; pre_ffw_norm)) -> rms(h; post_ffw_norm); x += h
//   attn: per-head RMSNorm on q and k, RoPE (local layers: their own base, global layers: the
//         config's), scale query_pre_attn_scalar^-0.5, local layers see the last
//         `sliding_window` positions only; mlp: down(gelu_tanh(gate(h)) * up(h))
//   logits = rms(x; norm) @ embed^T (tied)
// Norm weights are used as given: the (1 + w) of HF checkpoints is added at load (GGUF files
// store 1 + w already). Every layer keeps its whole KV history in the paged cache (the window
// is a mask), so prefix caching and preemption work as for any model.
#pragma once

#include <memory>
#include <vector>

#include "kernels/backend.h"
#include "model/model.h"
#include "model/weight_arena.h"
#include "model/weight_source.h"

namespace vllm {

struct Gemma3Layer {
  WeightMatrix q_proj, k_proj, v_proj, o_proj;  // [nH*D, H], [nKV*D, H] x2, [H, nH*D]
  WeightMatrix gate_proj, up_proj, down_proj;   // [I, H] x2, [H, I]
  // f32, with the 1 of (1 + w) included: [H] each, q/k norms [D].
  const float* input_norm = nullptr;
  const float* post_attn_norm = nullptr;
  const float* pre_ffw_norm = nullptr;
  const float* post_ffw_norm = nullptr;
  const float* q_norm = nullptr;
  const float* k_norm = nullptr;
};

struct Gemma3Weights {
  WeightMatrix embed_tokens;  // [vocab, H], also the output projection
  const float* norm = nullptr;
  std::vector<Gemma3Layer> layers;
};

// `norms_include_one`: false for HF checkpoints (weights w, the model uses 1 + w: added here,
// in place, into the arena's host copy), true for GGUF (stored as 1 + w).
Result<Gemma3Weights> BindGemma3Weights(WeightSource& src, const ModelConfig& config, bool norms_include_one);

class Gemma3Model : public Model {
 public:
  Gemma3Model(ModelConfig config, std::unique_ptr<Backend> backend, WeightArena arena, Gemma3Weights weights,
              int64_t max_num_tokens);

  const ModelConfig& config() const override { return config_; }
  int64_t max_num_tokens() const override { return max_num_tokens_; }
  Backend& backend() override { return *backend_; }
  void Forward(const BatchView& batch, std::span<const KvLayer> kv, StateLayers state, float* logits) override;
  size_t WeightBytes() const override { return arena_.bytes(); }
  const float* LastHidden() const override { return normed_.data<float>(); }
  KvCacheSpec MakeKvSpec(int64_t block_size, int64_t num_blocks, DType dtype) const override;

 private:
  void Attention(int64_t li, const Gemma3Layer& l, const BatchView& batch, KvLayer kv);
  void Mlp(const Gemma3Layer& l, int64_t num_tokens, int64_t num_decode_tokens);

  ModelConfig config_;
  std::unique_ptr<Backend> backend_;
  WeightArena arena_;
  Gemma3Weights weights_;
  int64_t max_num_tokens_;
  DeviceBuffer inv_freq_global_, inv_freq_local_;  // f32 [D/2] each
  DeviceBuffer hidden_, normed_, q_, k_, v_, attn_, proj_, gate_, up_;
};

}  // namespace vllm
