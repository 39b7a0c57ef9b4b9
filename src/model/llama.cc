#include "model/llama.h"
#include "model/step_profile.h"

#include <cmath>
#include <cstring>

#include "kernels/ops.h"
#include "model/rope_freqs.h"

namespace vllm {

Result<LlamaWeights> LoadLlamaWeights(WeightLoader& ld, const ModelConfig& c) {
  const int64_t H = c.hidden_size, I = c.intermediate_size, D = c.head_dim;
  const int64_t q_out = c.num_attention_heads * D, kv_out = c.num_key_value_heads * D;
  const bool qkv_bias = c.model_type == "qwen2" || c.attention_bias;
  LlamaWeights w;
  ASSIGN_OR_RETURN(w.embed_tokens, ld.Matrix("model.embed_tokens", c.vocab_size, H, false));
  if (!c.tie_word_embeddings) {
    ASSIGN_OR_RETURN(WeightMatrix head, ld.Matrix("lm_head", c.vocab_size, H, false));
    w.lm_head = std::move(head);
  }
  ASSIGN_OR_RETURN(w.norm, ld.Vector("model.norm.weight", H));
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    LlamaLayerWeights l;
    ASSIGN_OR_RETURN(l.q_proj, ld.Matrix(p + "self_attn.q_proj", q_out, H, qkv_bias));
    ASSIGN_OR_RETURN(l.k_proj, ld.Matrix(p + "self_attn.k_proj", kv_out, H, qkv_bias));
    ASSIGN_OR_RETURN(l.v_proj, ld.Matrix(p + "self_attn.v_proj", kv_out, H, qkv_bias));
    ASSIGN_OR_RETURN(l.o_proj, ld.Matrix(p + "self_attn.o_proj", H, q_out, c.attention_bias));
    ASSIGN_OR_RETURN(l.gate_proj, ld.Matrix(p + "mlp.gate_proj", I, H, c.mlp_bias));
    ASSIGN_OR_RETURN(l.up_proj, ld.Matrix(p + "mlp.up_proj", I, H, c.mlp_bias));
    ASSIGN_OR_RETURN(l.down_proj, ld.Matrix(p + "mlp.down_proj", H, I, c.mlp_bias));
    ASSIGN_OR_RETURN(l.input_layernorm, ld.Vector(p + "input_layernorm.weight", H));
    ASSIGN_OR_RETURN(l.post_attention_layernorm, ld.Vector(p + "post_attention_layernorm.weight", H));
    if (c.qk_norm) {
      ASSIGN_OR_RETURN(l.q_norm, ld.Vector(p + "self_attn.q_norm.weight", D));
      ASSIGN_OR_RETURN(l.k_norm, ld.Vector(p + "self_attn.k_norm.weight", D));
    }
    w.layers.push_back(std::move(l));
  }
  return w;
}

namespace {
AlignedBuffer Floats(int64_t n) { return AlignedBuffer(static_cast<size_t>(n) * sizeof(float)); }
}  // namespace

LlamaModel::LlamaModel(ModelConfig config, LlamaWeights weights, const ModelOptions& opts)
    : config_(std::move(config)),
      weights_(std::move(weights)),
      max_num_tokens_(opts.max_num_tokens),
      pool_(opts.num_threads),
      inv_freq_(RopeInverseFrequencies(config_.rope, config_.head_dim)) {
  const int64_t T = max_num_tokens_, H = config_.hidden_size, D = config_.head_dim;
  hidden_ = Floats(T * H);
  normed_ = Floats(T * H);
  proj_ = Floats(T * H);
  q_ = Floats(T * config_.num_attention_heads * D);
  attn_ = Floats(T * config_.num_attention_heads * D);
  k_ = Floats(T * config_.num_key_value_heads * D);
  v_ = Floats(T * config_.num_key_value_heads * D);
  gate_ = Floats(T * config_.intermediate_size);
  up_ = Floats(T * config_.intermediate_size);
}

size_t LlamaModel::WeightBytes() const {
  size_t n = weights_.embed_tokens.StoredBytes() + weights_.norm.size();
  if (weights_.lm_head) n += weights_.lm_head->StoredBytes();
  for (const auto& l : weights_.layers) {
    for (const WeightMatrix* m : {&l.q_proj, &l.k_proj, &l.v_proj, &l.o_proj, &l.gate_proj,
                                  &l.up_proj, &l.down_proj})
      n += m->StoredBytes();
    n += l.input_layernorm.size() + l.post_attention_layernorm.size() + l.q_norm.size() +
         l.k_norm.size();
  }
  return n;
}

KvCacheSpec LlamaModel::MakeKvSpec(int64_t block_size, int64_t num_blocks, DType dtype) const {
  return KvCacheSpec{.num_layers = config_.num_hidden_layers,
                     .num_kv_heads = config_.num_key_value_heads,
                     .head_dim = config_.head_dim,
                     .block_size = block_size,
                     .num_blocks = num_blocks,
                     .dtype = dtype};
}

void LlamaModel::AttentionBlock(int64_t li, const BatchInputs& in, KvCacheTensors& kv) {
  const LlamaLayerWeights& l = weights_.layers[li];
  const int64_t T = in.num_tokens(), H = config_.hidden_size, D = config_.head_dim;
  const int64_t nH = config_.num_attention_heads, nKV = config_.num_key_value_heads;
  const float eps = static_cast<float>(config_.rms_norm_eps);
  float* x = hidden_.data<float>();
  float* n = normed_.data<float>();
  float* q = q_.data<float>();
  float* k = k_.data<float>();
  float* v = v_.data<float>();
  const cpu::MatMulJob qkv[] = {{&l.q_proj, q}, {&l.k_proj, k}, {&l.v_proj, v}};
  Timed(StepOp::kQkv, [&] { cpu::MatMulShared(qkv, 3, n, T, pool_); });
  if (config_.qk_norm) {  // qwen3: per-head RMSNorm over head_dim, before RoPE
    Timed(StepOp::kNorm, [&] { cpu::RmsNorm(q, l.q_norm.data<float>(), T * nH, D, eps, q); });
    Timed(StepOp::kNorm, [&] { cpu::RmsNorm(k, l.k_norm.data<float>(), T * nKV, D, eps, k); });
  }
  Timed(StepOp::kRope, [&] { cpu::ApplyRope(q, in.positions.data(), T, nH, D, inv_freq_.data()); });
  Timed(StepOp::kRope, [&] { cpu::ApplyRope(k, in.positions.data(), T, nKV, D, inv_freq_.data()); });
  const cpu::AttentionShape shape{.num_heads = nH,
                                  .num_kv_heads = nKV,
                                  .head_dim = D,
                                  .block_size = kv.spec().block_size,
                                  .scale = 1.0f / std::sqrt(static_cast<float>(D))};
  Timed(StepOp::kKvWrite, [&] { cpu::WriteKvCache(k, v, in, shape, kv.layer(li)); });
  Timed(StepOp::kAttention, [&] { cpu::PagedAttention(q, kv.layer(li), in, shape, attn_.data<float>(), pool_); });
  Timed(StepOp::kOProj, [&] { cpu::MatMul(l.o_proj, attn_.data<float>(), T, proj_.data<float>(), pool_); });
  // Residual add and the MLP's input norm in one pass (the norm's time counts as residual).
  Timed(StepOp::kResidual, [&] { cpu::AddRmsNorm(x, proj_.data<float>(), l.post_attention_layernorm.data<float>(), T, H, eps, n); });
}

void LlamaModel::MlpBlock(int64_t li, int64_t T) {
  const LlamaLayerWeights& l = weights_.layers[li];
  const int64_t H = config_.hidden_size, I = config_.intermediate_size;
  const float eps = static_cast<float>(config_.rms_norm_eps);
  float* x = hidden_.data<float>();
  float* n = normed_.data<float>();
  const cpu::MatMulJob gate_up[] = {{&l.gate_proj, gate_.data<float>()}, {&l.up_proj, up_.data<float>()}};
  Timed(StepOp::kGateUp, [&] { cpu::MatMulShared(gate_up, 2, n, T, pool_); });
  Timed(StepOp::kSiluMul, [&] { cpu::SiluMul(gate_.data<float>(), up_.data<float>(), T * I, gate_.data<float>()); });
  Timed(StepOp::kDown, [&] { cpu::MatMul(l.down_proj, gate_.data<float>(), T, proj_.data<float>(), pool_); });
  if (li + 1 == config_.num_hidden_layers) {  // the final norm runs on the sampled rows only
    Timed(StepOp::kResidual, [&] { cpu::AddInPlace(x, proj_.data<float>(), T * H); });
    return;
  }
  // Residual add and the next layer's input norm in one pass, as in AttentionBlock.
  const float* next_norm = weights_.layers[li + 1].input_layernorm.data<float>();
  Timed(StepOp::kResidual, [&] { cpu::AddRmsNorm(x, proj_.data<float>(), next_norm, T, H, eps, n); });
}

void LlamaModel::Forward(const BatchInputs& in, KvCacheTensors& kv, float* logits) {
  const int64_t T = in.num_tokens(), H = config_.hidden_size;
  CHECK_LE(T, max_num_tokens_) << "batch larger than the scratch; raise max_num_tokens";
  CHECK_EQ(static_cast<int64_t>(in.query_start.size()), static_cast<int64_t>(in.num_seqs()) + 1);
  if (StepProfile::Enabled()) StepProfile::CountForward(T);
  Timed(StepOp::kEmbed, [&] { cpu::EmbeddingLookup(weights_.embed_tokens, in.token_ids.data(), T, hidden_.data<float>()); });
  // Every block starts from its normed input in normed_: the first layer's norm is here, every
  // later norm is fused into the residual add before it.
  const float* first_norm = weights_.layers[0].input_layernorm.data<float>();
  Timed(StepOp::kNorm, [&] { cpu::RmsNorm(hidden_.data<float>(), first_norm, T, H, static_cast<float>(config_.rms_norm_eps), normed_.data<float>()); });
  for (int64_t li = 0; li < config_.num_hidden_layers; ++li) {
    AttentionBlock(li, in, kv);
    MlpBlock(li, T);
  }
  // Final norm and output projection only for the rows that sample.
  const int64_t S = static_cast<int64_t>(in.logits_indices.size());
  float* sel = normed_.data<float>();
  for (int64_t i = 0; i < S; ++i)
    std::memcpy(sel + i * H, hidden_.data<float>() + in.logits_indices[i] * H, H * sizeof(float));
  Timed(StepOp::kNorm, [&] { cpu::RmsNorm(sel, weights_.norm.data<float>(), S, H, static_cast<float>(config_.rms_norm_eps), sel); });
  Timed(StepOp::kLmHead, [&] { cpu::MatMul(OutputProjection(), sel, S, logits, pool_); });
}

}  // namespace vllm
