#include "model/gemma3.h"

#include <cmath>

#include "model/rope_freqs.h"
#include "util/check.h"

namespace vllm {

Result<Gemma3Weights> BindGemma3Weights(WeightSource& src, const ModelConfig& c, bool norms_include_one) {
  const int64_t H = c.hidden_size, I = c.intermediate_size, D = c.head_dim;
  const int64_t q_out = c.num_attention_heads * D, kv_out = c.num_key_value_heads * D;
  auto norm = [&](const std::string& name, int64_t n) -> Result<const float*> {
    ASSIGN_OR_RETURN(const float* w, src.Vector(name, n, norms_include_one ? 1.0f : 0.0f));
    if (!norms_include_one) {
      // The arena's host copy of a freshly loaded vector (gemma is CPU-only: SupportsGemmaOps).
      float* m = const_cast<float*>(w);
      for (int64_t i = 0; i < n; ++i) m[i] += 1.0f;
    }
    return w;
  };
  Gemma3Weights w;
  ASSIGN_OR_RETURN(w.embed_tokens, src.Matrix("model.embed_tokens", c.vocab_size, H, false, MatrixInit::kEmbedding));
  ASSIGN_OR_RETURN(w.norm, norm("model.norm.weight", H));
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    Gemma3Layer l;
    ASSIGN_OR_RETURN(l.q_proj, src.Matrix(p + "self_attn.q_proj", q_out, H, false));
    ASSIGN_OR_RETURN(l.k_proj, src.Matrix(p + "self_attn.k_proj", kv_out, H, false));
    ASSIGN_OR_RETURN(l.v_proj, src.Matrix(p + "self_attn.v_proj", kv_out, H, false));
    ASSIGN_OR_RETURN(l.o_proj, src.Matrix(p + "self_attn.o_proj", H, q_out, false));
    ASSIGN_OR_RETURN(l.gate_proj, src.Matrix(p + "mlp.gate_proj", I, H, false));
    ASSIGN_OR_RETURN(l.up_proj, src.Matrix(p + "mlp.up_proj", I, H, false));
    ASSIGN_OR_RETURN(l.down_proj, src.Matrix(p + "mlp.down_proj", H, I, false));
    ASSIGN_OR_RETURN(l.q_norm, norm(p + "self_attn.q_norm.weight", D));
    ASSIGN_OR_RETURN(l.k_norm, norm(p + "self_attn.k_norm.weight", D));
    ASSIGN_OR_RETURN(l.input_norm, norm(p + "input_layernorm.weight", H));
    ASSIGN_OR_RETURN(l.post_attn_norm, norm(p + "post_attention_layernorm.weight", H));
    ASSIGN_OR_RETURN(l.pre_ffw_norm, norm(p + "pre_feedforward_layernorm.weight", H));
    ASSIGN_OR_RETURN(l.post_ffw_norm, norm(p + "post_feedforward_layernorm.weight", H));
    w.layers.push_back(l);
  }
  return w;
}

Gemma3Model::Gemma3Model(ModelConfig config, std::unique_ptr<Backend> backend, WeightArena arena,
                         Gemma3Weights weights, int64_t max_num_tokens)
    : config_(std::move(config)),
      backend_(std::move(backend)),
      arena_(std::move(arena)),
      weights_(std::move(weights)),
      max_num_tokens_(max_num_tokens) {
  Backend& b = *backend_;
  auto upload = [&](const std::vector<float>& v) {
    DeviceBuffer d = b.Alloc(v.size() * sizeof(float));
    b.CopyToDevice(d.data(), v.data(), v.size() * sizeof(float));
    return d;
  };
  inv_freq_global_ = upload(RopeInverseFrequencies(config_.rope, config_.head_dim));
  RopeConfig local;  // local layers: plain RoPE with their own base
  local.theta = config_.rope_local_theta;
  inv_freq_local_ = upload(RopeInverseFrequencies(local, config_.head_dim));
  const int64_t T = max_num_tokens_, H = config_.hidden_size, D = config_.head_dim;
  auto floats = [&](int64_t n) { return b.Alloc(static_cast<size_t>(n) * sizeof(float)); };
  hidden_ = floats(T * H);
  normed_ = floats(T * H);
  proj_ = floats(T * H);
  q_ = floats(T * config_.num_attention_heads * D);
  attn_ = floats(T * config_.num_attention_heads * D);
  k_ = floats(T * config_.num_key_value_heads * D);
  v_ = floats(T * config_.num_key_value_heads * D);
  gate_ = floats(T * config_.intermediate_size);
  up_ = floats(T * config_.intermediate_size);
}

KvCacheSpec Gemma3Model::MakeKvSpec(int64_t block_size, int64_t num_blocks, DType dtype) const {
  return KvCacheSpec{.num_layers = config_.num_hidden_layers,
                     .num_kv_heads = config_.num_key_value_heads,
                     .head_dim = config_.head_dim,
                     .block_size = block_size,
                     .num_blocks = num_blocks,
                     .dtype = dtype};
}

// normed_ [T, H] (the layer's normed input) -> x += post_attn_norm(o_proj(attention)).
void Gemma3Model::Attention(int64_t li, const Gemma3Layer& l, const BatchView& batch, KvLayer kv) {
  Backend& b = *backend_;
  const int64_t T = batch.num_tokens, H = config_.hidden_size, D = config_.head_dim;
  const int64_t nH = config_.num_attention_heads, nKV = config_.num_key_value_heads;
  const int64_t nd = batch.num_decode_tokens;
  const float eps = static_cast<float>(config_.rms_norm_eps);
  float* q = q_.data<float>();     // [T, nH, D]
  float* k = k_.data<float>();     // [T, nKV, D]
  float* v = v_.data<float>();     // [T, nKV, D]
  float* attn = attn_.data<float>();
  float* proj = proj_.data<float>();  // [T, H]
  const MatMulJob qkv[] = {{&l.q_proj, q}, {&l.k_proj, k}, {&l.v_proj, v}};
  Timed(b, StepOp::kQkv, [&] { b.MatMulShared(qkv, normed_.data<float>(), T, nd); });
  Timed(b, StepOp::kNorm, [&] {
    b.RmsNorm(q, l.q_norm, T * nH, D, eps, q);
    b.RmsNorm(k, l.k_norm, T * nKV, D, eps, k);
  });
  const bool local = config_.IsSlidingLayer(li);
  const float* inv_freq = (local ? inv_freq_local_ : inv_freq_global_).data<float>();
  Timed(b, StepOp::kRope, [&] {
    b.ApplyRope(q, batch.positions, T, nH, D, inv_freq);
    b.ApplyRope(k, batch.positions, T, nKV, D, inv_freq);
  });
  const double qs = config_.query_pre_attn_scalar > 0 ? config_.query_pre_attn_scalar : static_cast<double>(D);
  const AttentionShape shape{.num_heads = nH,
                             .num_kv_heads = nKV,
                             .head_dim = D,
                             .block_size = kv.block_size,
                             .scale = static_cast<float>(1.0 / std::sqrt(qs)),
                             .sliding_window = local ? config_.sliding_window : 0};
  Timed(b, StepOp::kKvWrite, [&] { b.WriteKvCache(k, v, batch, shape, kv); });
  Timed(b, StepOp::kAttention, [&] { b.PagedAttention(q, kv, batch, shape, attn); });
  Timed(b, StepOp::kOProj, [&] { b.MatMul(l.o_proj, attn, T, nd, proj); });
  Timed(b, StepOp::kResidual, [&] {
    b.RmsNorm(proj, l.post_attn_norm, T, H, eps, proj);
    b.AddInPlace(hidden_.data<float>(), proj, T * H);
  });
}

// x [T, H] -> x += post_ffw_norm(down(gelu_tanh(gate(n)) * up(n))), n = pre_ffw_norm(x).
void Gemma3Model::Mlp(const Gemma3Layer& l, int64_t T, int64_t nd) {
  Backend& b = *backend_;
  const int64_t H = config_.hidden_size, I = config_.intermediate_size;
  const float eps = static_cast<float>(config_.rms_norm_eps);
  float* x = hidden_.data<float>();
  float* n = normed_.data<float>();
  float* gate = gate_.data<float>();  // [T, I]
  float* up = up_.data<float>();
  float* proj = proj_.data<float>();
  Timed(b, StepOp::kNorm, [&] { b.RmsNorm(x, l.pre_ffw_norm, T, H, eps, n); });
  const MatMulJob gate_up[] = {{&l.gate_proj, gate}, {&l.up_proj, up}};
  Timed(b, StepOp::kGateUp, [&] { b.MatMulShared(gate_up, n, T, nd); });
  Timed(b, StepOp::kSiluMul, [&] { b.GeluTanhMul(gate, up, T * I, gate); });
  Timed(b, StepOp::kDown, [&] { b.MatMul(l.down_proj, gate, T, nd, proj); });
  Timed(b, StepOp::kResidual, [&] {
    b.RmsNorm(proj, l.post_ffw_norm, T, H, eps, proj);
    b.AddInPlace(x, proj, T * H);
  });
}

void Gemma3Model::Forward(const BatchView& batch, std::span<const KvLayer> kv, StateLayers, float* logits) {
  Backend& b = *backend_;
  const int64_t T = batch.num_tokens, H = config_.hidden_size;
  const float eps = static_cast<float>(config_.rms_norm_eps);
  CHECK_LE(T, max_num_tokens_) << "batch larger than the scratch; raise max_num_tokens";
  CHECK_EQ(static_cast<int64_t>(kv.size()), config_.num_hidden_layers);
  if (StepProfile::Enabled()) StepProfile::CountForward(T);
  float* x = hidden_.data<float>();  // [T, H] residual stream
  float* n = normed_.data<float>();
  Timed(b, StepOp::kEmbed, [&] {
    b.EmbeddingLookup(weights_.embed_tokens, batch.token_ids, T, x);
    b.Scale(x, T * H, std::sqrt(static_cast<float>(H)));
  });
  for (int64_t li = 0; li < config_.num_hidden_layers; ++li) {
    const Gemma3Layer& l = weights_.layers[li];
    Timed(b, StepOp::kNorm, [&] { b.RmsNorm(x, l.input_norm, T, H, eps, n); });
    Attention(li, l, batch, kv[li]);
    Mlp(l, T, batch.num_decode_tokens);
  }
  const int64_t S = batch.num_logits;
  const int64_t nd = std::min<int64_t>(batch.num_decode_tokens, S);
  Timed(b, StepOp::kNorm, [&] {
    b.GatherRows(x, batch.logits_indices, S, H, n);
    b.RmsNorm(n, weights_.norm, S, H, eps, n);
  });
  Timed(b, StepOp::kLmHead, [&] { b.MatMul(weights_.embed_tokens, n, S, nd, logits); });
}

}  // namespace vllm
