#include "model/llama.h"

#include <algorithm>
#include <cmath>

#include "dist/tp_ops.h"
#include "model/rope_freqs.h"
#include "util/check.h"

namespace vllm {

LlamaModel::LlamaModel(ModelConfig config, std::unique_ptr<Backend> backend, WeightArena arena,
                       LlamaWeights weights, int64_t max_num_tokens)
    : config_(std::move(config)),
      backend_(std::move(backend)),
      arena_(std::move(arena)),
      weights_(std::move(weights)),
      max_num_tokens_(max_num_tokens) {
  Backend& b = *backend_;
  const std::vector<float> inv_freq = RopeInverseFrequencies(config_.rope, config_.head_dim);
  inv_freq_ = b.Alloc(inv_freq.size() * sizeof(float));
  b.CopyToDevice(inv_freq_.data(), inv_freq.data(), inv_freq.size() * sizeof(float));
  const int64_t T = max_num_tokens_, H = config_.hidden_size, D = config_.head_dim;
  auto floats = [&](int64_t n) { return b.Alloc(static_cast<size_t>(n) * sizeof(float)); };
  hidden_ = floats(T * H);
  normed_ = floats(T * H);
  proj_ = floats(T * H);
  q_ = floats(T * config_.num_attention_heads * D);
  attn_ = floats(T * config_.num_attention_heads * D);
  k_ = floats(T * config_.num_key_value_heads * D);
  v_ = floats(T * config_.num_key_value_heads * D);
  bool any_dense = false;  // qwen3_moe: only mlp_only_layers / off-step layers are dense
  for (int64_t i = 0; i < config_.num_hidden_layers; ++i) any_dense |= !config_.IsSparseLayer(i);
  if (any_dense) {
    gate_ = floats(T * config_.intermediate_size);
    up_ = floats(T * config_.intermediate_size);
  }
  if (config_.num_experts > 0) {
    router_logits_ = floats(T * config_.num_experts);
    expert_ids_ = b.Alloc(static_cast<size_t>(T * config_.num_experts_per_tok) * sizeof(int32_t));
    expert_weights_ = floats(T * config_.num_experts_per_tok);
  }
}

KvCacheSpec LlamaModel::MakeKvSpec(int64_t block_size, int64_t num_blocks, DType dtype) const {
  return KvCacheSpec{.num_layers = config_.num_hidden_layers,
                     .num_kv_heads = config_.num_key_value_heads,
                     .head_dim = config_.head_dim,
                     .block_size = block_size,
                     .num_blocks = num_blocks,
                     .dtype = dtype};
}

// T tokens; H hidden; nH query heads and nKV KV heads of D each.
void LlamaModel::AttentionBlock(const AttentionMixer& a, const float* post_norm,
                                const BatchView& batch, KvLayer kv) {
  Backend& b = *backend_;
  const int64_t T = batch.num_tokens, H = config_.hidden_size, D = config_.head_dim;
  const int64_t nH = config_.num_attention_heads, nKV = config_.num_key_value_heads;
  const float eps = static_cast<float>(config_.rms_norm_eps);
  float* x = hidden_.data<float>();   // [T, H] residual stream
  float* n = normed_.data<float>();   // [T, H] this block's normed input
  float* q = q_.data<float>();        // [T, nH, D]
  float* k = k_.data<float>();        // [T, nKV, D]
  float* v = v_.data<float>();        // [T, nKV, D]
  float* attn = attn_.data<float>();  // [T, nH, D]
  float* proj = proj_.data<float>();  // [T, H]
  const MatMulJob qkv[] = {{&a.q_proj, q}, {&a.k_proj, k}, {&a.v_proj, v}};
  const int64_t nd = batch.num_decode_tokens;  // leading decode rows (batch invariance)
  Timed(b, StepOp::kQkv, [&] { b.MatMulShared(qkv, n, T, nd); });
  if (config_.qk_norm) {  // qwen3: per-head RMSNorm over D, before RoPE
    Timed(b, StepOp::kNorm, [&] { b.RmsNorm(q, a.q_norm, T * nH, D, eps, q); });
    Timed(b, StepOp::kNorm, [&] { b.RmsNorm(k, a.k_norm, T * nKV, D, eps, k); });
  }
  const float* inv_freq = inv_freq_.data<float>();
  Timed(b, StepOp::kRope, [&] { b.ApplyRope(q, batch.positions, T, nH, D, inv_freq); });
  Timed(b, StepOp::kRope, [&] { b.ApplyRope(k, batch.positions, T, nKV, D, inv_freq); });
  const AttentionShape shape{.num_heads = nH,
                             .num_kv_heads = nKV,
                             .head_dim = D,
                             .block_size = kv.block_size,
                             .scale = 1.0f / std::sqrt(static_cast<float>(D))};
  Timed(b, StepOp::kKvWrite, [&] { b.WriteKvCache(k, v, batch, shape, kv); });
  Timed(b, StepOp::kAttention, [&] { b.PagedAttention(q, kv, batch, shape, attn); });
  Timed(b, StepOp::kOProj, [&] { b.MatMul(a.o_proj, attn, T, nd, proj); });
  if (tp_) tp_->AllReduceSum(proj, T * H);  // row-parallel o_proj: partial sums
  // Residual add and the MLP's input norm in one pass (the norm's time counts as residual).
  Timed(b, StepOp::kResidual, [&] { b.AddRmsNorm(x, proj, post_norm, T, H, eps, n); });
}

void LlamaModel::DenseMlpInto(const DenseMlp& m, int64_t T, int64_t nd, float* out) {
  Backend& b = *backend_;
  const int64_t I = config_.intermediate_size;
  float* gate = gate_.data<float>();  // [T, I]
  float* up = up_.data<float>();      // [T, I]
  const MatMulJob gate_up[] = {{&m.gate_proj, gate}, {&m.up_proj, up}};
  Timed(b, StepOp::kGateUp, [&] { b.MatMulShared(gate_up, normed_.data<float>(), T, nd); });
  Timed(b, StepOp::kSiluMul, [&] { b.SiluMul(gate, up, T * I, gate); });
  Timed(b, StepOp::kDown, [&] { b.MatMul(m.down_proj, gate, T, nd, out); });
}

// Router logits [T, E] -> k experts per token -> out [T, H] = sum_j w_j * expert_j(x).
void LlamaModel::MoeMlpInto(const MoeMlp& m, int64_t T, int64_t nd, float* out) {
  Backend& b = *backend_;
  const float* n = normed_.data<float>();            // [T, H]
  float* logits = router_logits_.data<float>();      // [T, E]
  int32_t* ids = expert_ids_.data<int32_t>();        // [T, k]
  float* weights = expert_weights_.data<float>();    // [T, k]
  Timed(b, StepOp::kMoeRouter, [&] {
    b.MatMul(m.router, n, T, nd, logits);
    b.RouterTopK(logits, T, m.routing, ids, weights);
  });
  const MoeWeights experts{.activation = m.activation, .experts = m.experts, .shared = nullptr};
  Timed(b, StepOp::kMoeExperts, [&] { b.MoeExperts(experts, n, T, m.routing.top_k, ids, weights, out); });
}

void LlamaModel::MlpBlock(int64_t li, const DecoderLayer& l, int64_t T, int64_t nd) {
  Backend& b = *backend_;
  const int64_t H = config_.hidden_size;
  const float eps = static_cast<float>(config_.rms_norm_eps);
  float* x = hidden_.data<float>();   // [T, H]
  float* n = normed_.data<float>();   // [T, H]
  float* proj = proj_.data<float>();  // [T, H]
  if (const auto* moe = std::get_if<MoeMlp>(&l.mlp)) MoeMlpInto(*moe, T, nd, proj);
  else DenseMlpInto(std::get<DenseMlp>(l.mlp), T, nd, proj);
  if (tp_) tp_->AllReduceSum(proj, T * H);  // row-parallel down projections: partial sums
  if (li + 1 == config_.num_hidden_layers) {  // the final norm runs on the sampled rows only
    Timed(b, StepOp::kResidual, [&] { b.AddInPlace(x, proj, T * H); });
    return;
  }
  // Residual add and the next layer's input norm in one pass, as in AttentionBlock.
  const float* next_norm = weights_.layers[li + 1].input_layernorm;
  Timed(b, StepOp::kResidual, [&] { b.AddRmsNorm(x, proj, next_norm, T, H, eps, n); });
}

void LlamaModel::Forward(const BatchView& batch, std::span<const KvLayer> kv, StateLayers,
                         float* logits) {
  Backend& b = *backend_;
  const int64_t T = batch.num_tokens, H = config_.hidden_size;
  const float eps = static_cast<float>(config_.rms_norm_eps);
  CHECK_LE(T, max_num_tokens_) << "batch larger than the scratch; raise max_num_tokens";
  CHECK_EQ(static_cast<int64_t>(kv.size()), config_.num_hidden_layers);
  if (StepProfile::Enabled()) StepProfile::CountForward(T);
  float* x = hidden_.data<float>();  // [T, H]
  float* n = normed_.data<float>();  // [T, H]
  Timed(b, StepOp::kEmbed, [&] { b.EmbeddingLookup(weights_.embed_tokens, batch.token_ids, T, x); });
  // Every block starts from its normed input in normed_: the first layer's norm is here, every
  // later norm is fused into the residual add before it.
  Timed(b, StepOp::kNorm, [&] { b.RmsNorm(x, weights_.layers[0].input_layernorm, T, H, eps, n); });
  for (int64_t li = 0; li < config_.num_hidden_layers; ++li) {
    const DecoderLayer& l = weights_.layers[li];
    AttentionBlock(std::get<AttentionMixer>(l.mixer), l.post_attention_layernorm, batch, kv[li]);
    MlpBlock(li, l, T, batch.num_decode_tokens);
  }
  // Final norm and output projection only for the S rows that sample: [S, H] -> [S, vocab].
  // Decode tokens' rows come first in logits order (one each).
  const int64_t S = batch.num_logits;
  const int64_t nd = std::min<int64_t>(batch.num_decode_tokens, S);
  Timed(b, StepOp::kNorm, [&] {
    b.GatherRows(x, batch.logits_indices, S, H, n);
    b.RmsNorm(n, weights_.norm, S, H, eps, n);
  });
  if (tp_ && tp_->vocab_parallel()) {  // this rank's vocabulary rows, then every rank's
    const int64_t Vs = OutputProjection().rows;
    float* shard = tp_->ShardLogits(S, Vs);
    Timed(b, StepOp::kLmHead, [&] { b.MatMul(OutputProjection(), n, S, nd, shard); });
    tp_->AllGatherVocab(shard, S, Vs, logits);
    return;
  }
  Timed(b, StepOp::kLmHead, [&] { b.MatMul(OutputProjection(), n, S, nd, logits); });
}

}  // namespace vllm
