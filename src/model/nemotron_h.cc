#include "model/nemotron_h.h"

#include <algorithm>
#include <cmath>

#include "util/check.h"

namespace vllm {

NemotronHModel::NemotronHModel(ModelConfig config, std::unique_ptr<Backend> backend, WeightArena arena,
                               NemotronHWeights weights, int64_t max_num_tokens)
    : config_(std::move(config)),
      backend_(std::move(backend)),
      arena_(std::move(arena)),
      weights_(std::move(weights)),
      mamba_(MambaShapeOf(config_)),
      max_num_tokens_(max_num_tokens) {
  Backend& b = *backend_;
  const int64_t T = max_num_tokens_, Hd = config_.hidden_size;
  auto floats = [&](int64_t n) { return b.Alloc(static_cast<size_t>(std::max<int64_t>(n, 1)) * sizeof(float)); };
  hidden_ = floats(T * Hd);
  normed_ = floats(T * Hd);
  proj_ = floats(T * Hd);
  if (config_.NumLayersOfKind('M') > 0) {
    const int64_t H = mamba_.num_heads;
    zxbcdt_ = floats(T * (mamba_.inner() + mamba_.conv_dim() + H));
    conv_out_ = floats(T * mamba_.conv_dim());
    ssm_y_ = floats(T * mamba_.inner());
    // A = -exp(A_log), once (A_log is stored f32: the exponent's precision matters).
    std::vector<float> a(static_cast<size_t>(H));
    for (NemotronLayer& l : weights_.layers) {
      auto* m = std::get_if<MambaMixer>(&l.mixer);
      if (!m) continue;
      b.CopyToHost(a.data(), m->A_log, a.size() * sizeof(float));
      for (float& x : a) x = -std::exp(x);
      A_.push_back(floats(H));
      b.CopyToDevice(A_.back().data(), a.data(), a.size() * sizeof(float));
      m->params.A = A_.back().data<float>();
    }
  }
  if (config_.NumLayersOfKind('*') > 0) {
    const int64_t D = config_.head_dim;
    q_ = floats(T * config_.num_attention_heads * D);
    attn_ = floats(T * config_.num_attention_heads * D);
    k_ = floats(T * config_.num_key_value_heads * D);
    v_ = floats(T * config_.num_key_value_heads * D);
  }
  if (config_.NumLayersOfKind('-') > 0) mlp_up_ = floats(T * config_.intermediate_size);
  if (config_.NumLayersOfKind('E') > 0) {
    router_logits_ = floats(T * config_.num_experts);
    expert_ids_ = b.Alloc(static_cast<size_t>(T * config_.num_experts_per_tok) * sizeof(int32_t));
    expert_weights_ = floats(T * config_.num_experts_per_tok);
  }
}

KvCacheSpec NemotronHModel::MakeKvSpec(int64_t block_size, int64_t num_blocks, DType dtype) const {
  return KvCacheSpec{.num_layers = config_.NumLayersOfKind('*'),
                     .num_kv_heads = config_.num_key_value_heads,
                     .head_dim = config_.head_dim,
                     .block_size = block_size,
                     .num_blocks = num_blocks,
                     .dtype = dtype};
}

StateSpec NemotronHModel::state_spec() const {
  return StateSpec{.num_layers = config_.NumLayersOfKind('M'), .bytes_per_slot = mamba_.SlotBytes()};
}

// T tokens; I = H*P; C = conv_dim. in_proj row: z [I] | xBC [C] | dt_raw [H].
void NemotronHModel::Mamba(const MambaMixer& m, const BatchView& batch, MambaState state) {
  Backend& b = *backend_;
  const int64_t T = batch.num_tokens, I = mamba_.inner(), C = mamba_.conv_dim();
  const int64_t row = I + C + mamba_.num_heads, nd = batch.num_decode_tokens;
  float* zx = zxbcdt_.data<float>();  // [T, row]
  float* u = conv_out_.data<float>();  // [T, C] = xs | B | C after conv + silu
  float* y = ssm_y_.data<float>();     // [T, I]
  Timed(b, StepOp::kQkv, [&] { b.MatMul(m.in_proj, normed_.data<float>(), T, nd, zx); });
  Timed(b, StepOp::kSsm, [&] {
    b.CausalConv1d(zx + I, row, batch, mamba_, m.params, state, u);
    b.SsmScan(u, zx + I + C, row, batch, mamba_, m.params, state, y);
  });
  Timed(b, StepOp::kNorm, [&] {
    b.GatedGroupRmsNorm(y, zx, row, m.norm, T, I, I / mamba_.num_groups,
                        static_cast<float>(config_.rms_norm_eps), y);
  });
  Timed(b, StepOp::kOProj, [&] { b.MatMul(m.out_proj, y, T, nd, proj_.data<float>()); });
}

// Plain GQA attention over the paged cache; positions only index the cache (no RoPE).
void NemotronHModel::Attention(const AttentionMixer& a, const BatchView& batch, KvLayer kv) {
  Backend& b = *backend_;
  const int64_t T = batch.num_tokens, D = config_.head_dim, nd = batch.num_decode_tokens;
  float* q = q_.data<float>();        // [T, nH, D]
  float* k = k_.data<float>();        // [T, nKV, D]
  float* v = v_.data<float>();        // [T, nKV, D]
  float* attn = attn_.data<float>();  // [T, nH, D]
  const MatMulJob qkv[] = {{&a.q_proj, q}, {&a.k_proj, k}, {&a.v_proj, v}};
  Timed(b, StepOp::kQkv, [&] { b.MatMulShared(qkv, normed_.data<float>(), T, nd); });
  const AttentionShape shape{.num_heads = config_.num_attention_heads,
                             .num_kv_heads = config_.num_key_value_heads,
                             .head_dim = D,
                             .block_size = kv.block_size,
                             .scale = 1.0f / std::sqrt(static_cast<float>(D))};
  Timed(b, StepOp::kKvWrite, [&] { b.WriteKvCache(k, v, batch, shape, kv); });
  Timed(b, StepOp::kAttention, [&] { b.PagedAttention(q, kv, batch, shape, attn); });
  Timed(b, StepOp::kOProj, [&] { b.MatMul(a.o_proj, attn, T, nd, proj_.data<float>()); });
}

void NemotronHModel::Experts(const MoeMlp& m, int64_t T, int64_t nd) {
  Backend& b = *backend_;
  const float* n = normed_.data<float>();
  float* logits = router_logits_.data<float>();    // [T, E]
  int32_t* ids = expert_ids_.data<int32_t>();      // [T, k]
  float* weights = expert_weights_.data<float>();  // [T, k]
  Timed(b, StepOp::kMoeRouter, [&] {
    b.MatMul(m.router, n, T, nd, logits);
    b.RouterTopK(logits, T, m.routing, ids, weights);
  });
  const MoeWeights w{.activation = m.activation, .experts = m.experts, .shared = m.shared ? &*m.shared : nullptr};
  Timed(b, StepOp::kMoeExperts, [&] { b.MoeExperts(w, n, T, m.routing.top_k, ids, weights, proj_.data<float>()); });
}

void NemotronHModel::DenseMlp(const Relu2Mlp& m, int64_t T, int64_t nd) {
  Backend& b = *backend_;
  float* up = mlp_up_.data<float>();  // [T, intermediate]
  Timed(b, StepOp::kGateUp, [&] { b.MatMul(m.up_proj, normed_.data<float>(), T, nd, up); });
  Timed(b, StepOp::kSiluMul, [&] { b.Relu2(up, T * config_.intermediate_size, up); });
  Timed(b, StepOp::kDown, [&] { b.MatMul(m.down_proj, up, T, nd, proj_.data<float>()); });
}

void NemotronHModel::Forward(const BatchView& batch, std::span<const KvLayer> kv, StateLayers state,
                             float* logits) {
  Backend& b = *backend_;
  const int64_t T = batch.num_tokens, Hd = config_.hidden_size, L = config_.num_hidden_layers;
  const float eps = static_cast<float>(config_.rms_norm_eps);
  CHECK_LE(T, max_num_tokens_) << "batch larger than the scratch; raise max_num_tokens";
  CHECK_EQ(static_cast<int64_t>(kv.size()), config_.NumLayersOfKind('*'));
  CHECK_EQ(static_cast<int64_t>(state.layers.size()), config_.NumLayersOfKind('M'))
      << "nemotron_h needs one state slab per Mamba layer (runner num_state_slots > 0)";
  CHECK(config_.NumLayersOfKind('M') == 0 || batch.state_slots != nullptr) << "Mamba layers need state slots";
  if (StepProfile::Enabled()) StepProfile::CountForward(T);
  float* x = hidden_.data<float>();   // [T, Hd]
  float* n = normed_.data<float>();   // [T, Hd]
  float* proj = proj_.data<float>();  // [T, Hd]
  Timed(b, StepOp::kEmbed, [&] { b.EmbeddingLookup(weights_.embeddings, batch.token_ids, T, x); });
  Timed(b, StepOp::kNorm, [&] { b.RmsNorm(x, weights_.layers[0].norm, T, Hd, eps, n); });
  const int64_t nd = batch.num_decode_tokens;
  size_t next_kv = 0, next_state = 0;
  for (int64_t li = 0; li < L; ++li) {
    const NemotronLayer& l = weights_.layers[li];
    if (const auto* m = std::get_if<MambaMixer>(&l.mixer)) {
      const MambaState st{.base = static_cast<float*>(state.layers[next_state++]),
                          .slot_floats = mamba_.slot_floats()};
      Mamba(*m, batch, st);
    } else if (const auto* a = std::get_if<AttentionMixer>(&l.mixer)) {
      Attention(*a, batch, kv[next_kv++]);
    } else if (const auto* e = std::get_if<MoeMlp>(&l.mixer)) {
      Experts(*e, T, nd);
    } else {
      DenseMlp(std::get<Relu2Mlp>(l.mixer), T, nd);
    }
    // Residual add fused with the next layer's input norm; the last layer's final norm runs
    // on the sampled rows only.
    if (li + 1 == L) Timed(b, StepOp::kResidual, [&] { b.AddInPlace(x, proj, T * Hd); });
    else Timed(b, StepOp::kResidual, [&] { b.AddRmsNorm(x, proj, weights_.layers[li + 1].norm, T, Hd, eps, n); });
  }
  const int64_t S = batch.num_logits;
  const int64_t nds = std::min<int64_t>(batch.num_decode_tokens, S);
  Timed(b, StepOp::kNorm, [&] {
    b.GatherRows(x, batch.logits_indices, S, Hd, n);
    b.RmsNorm(n, weights_.norm_f, S, Hd, eps, n);
  });
  const WeightMatrix& head = weights_.lm_head ? *weights_.lm_head : weights_.embeddings;
  Timed(b, StepOp::kLmHead, [&] { b.MatMul(head, n, S, nds, logits); });
}

}  // namespace vllm
