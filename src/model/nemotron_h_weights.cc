#include "model/nemotron_h_weights.h"

#include <cmath>

namespace vllm {

MambaShape MambaShapeOf(const ModelConfig& c) {
  return MambaShape{.num_heads = c.mamba_num_heads,
                    .head_dim = c.mamba_head_dim,
                    .num_groups = c.mamba_n_groups,
                    .state_size = c.ssm_state_size,
                    .conv_kernel = c.conv_kernel};
}

namespace {

Result<MambaMixer> BindMamba(WeightSource& src, const ModelConfig& c, const std::string& m) {
  const MambaShape s = MambaShapeOf(c);
  const int64_t hidden = c.hidden_size, H = s.num_heads, I = s.inner(), C = s.conv_dim(), K = s.conv_kernel;
  MambaMixer x;
  ASSIGN_OR_RETURN(x.in_proj, src.Matrix(m + "in_proj", I + C + H, hidden, c.mamba_proj_bias));
  ASSIGN_OR_RETURN(x.out_proj, src.Matrix(m + "out_proj", hidden, I, c.mamba_proj_bias));
  // MLX stores the depthwise conv as [C, K, 1], HF as [C, 1, K]: the same bytes.
  const float a = std::sqrt(3.0f / static_cast<float>(K));
  ASSIGN_OR_RETURN(x.params.conv_weight,
                   src.FloatTensor(m + "conv1d.weight", {{C, K, 1}, {C, 1, K}, {C, K}},
                                   {.kind = FloatInit::Kind::kUniform, .lo = -a, .hi = a}));
  if (c.use_conv_bias) {
    ASSIGN_OR_RETURN(x.params.conv_bias, src.FloatTensor(m + "conv1d.bias", {{C}},
                                                         {.kind = FloatInit::Kind::kUniform, .lo = -a, .hi = a}));
  }
  ASSIGN_OR_RETURN(x.A_log, src.FloatTensor(m + "A_log", {{H}}, {.kind = FloatInit::Kind::kLogUniform, .lo = 1, .hi = 16}));
  ASSIGN_OR_RETURN(x.params.dt_bias, src.FloatTensor(m + "dt_bias", {{H}},
                                                     {.kind = FloatInit::Kind::kSoftplusInverseUniform,
                                                      .lo = 0.001f, .hi = 0.1f}));
  ASSIGN_OR_RETURN(x.params.D, src.FloatTensor(m + "D", {{H}}, {}));
  ASSIGN_OR_RETURN(x.norm, src.Vector(m + "norm.weight", I, 1.0f));
  x.params.dt_min = static_cast<float>(c.time_step_limit_min);
  x.params.dt_max = static_cast<float>(c.time_step_limit_max);
  return x;
}

// Routed relu2 experts: stacked `switch_mlp.fc1/fc2` [E, I, hidden] / [E, hidden, I] (MLX), or
// per-expert `experts.N.up_proj/down_proj` (HF); plus the shared expert.
Result<MoeMlp> BindMoe(WeightSource& src, const ModelConfig& c, const std::string& m) {
  const int64_t hidden = c.hidden_size, I = c.moe_intermediate_size, E = c.num_experts;
  MoeMlp x;
  x.activation = ExpertActivation::kRelu2;
  ASSIGN_OR_RETURN(x.router, src.Matrix(m + "gate", E, hidden, false, MatrixInit::kFloat));
  ASSIGN_OR_RETURN(const float* bias, src.FloatTensor(m + "gate.e_score_correction_bias", {{E}},
                                                      {.kind = FloatInit::Kind::kUniform, .lo = -0.1f, .hi = 0.1f}));
  x.routing = RouterParams{.scoring = RouterScoring::kSigmoid,
                           .num_experts = E,
                           .top_k = c.num_experts_per_tok,
                           // mlx-lm renormalises only when k > 1
                           .norm_topk_prob = c.norm_topk_prob && c.num_experts_per_tok > 1,
                           .correction_bias = bias,
                           .routed_scaling = static_cast<float>(c.routed_scaling_factor)};
  x.experts.resize(static_cast<size_t>(E));
  if (!src.Has(m + "switch_mlp.fc1.weight") && src.Has(m + "experts.0.up_proj.weight")) {
    for (int64_t e = 0; e < E; ++e) {
      const std::string q = m + "experts." + std::to_string(e) + ".";
      ASSIGN_OR_RETURN(x.experts[e].up, src.Matrix(q + "up_proj", I, hidden, false));
      ASSIGN_OR_RETURN(x.experts[e].down, src.Matrix(q + "down_proj", hidden, I, false));
    }
  } else {
    ASSIGN_OR_RETURN(WeightMatrix fc1, src.StackedMatrix(m + "switch_mlp.fc1", E, I, hidden));
    ASSIGN_OR_RETURN(WeightMatrix fc2, src.StackedMatrix(m + "switch_mlp.fc2", E, hidden, I));
    for (int64_t e = 0; e < E; ++e) x.experts[e] = ExpertMlp{.gate = {}, .up = fc1.Rows(e * I, I), .down = fc2.Rows(e * hidden, hidden)};
  }
  if (c.num_shared_experts > 0) {
    const int64_t Is = c.shared_expert_intermediate_size;
    ExpertMlp sh;
    ASSIGN_OR_RETURN(sh.up, src.Matrix(m + "shared_experts.up_proj", Is, hidden, c.mlp_bias));
    ASSIGN_OR_RETURN(sh.down, src.Matrix(m + "shared_experts.down_proj", hidden, Is, c.mlp_bias));
    x.shared = sh;
  }
  return x;
}

Result<AttentionMixer> BindAttention(WeightSource& src, const ModelConfig& c, const std::string& m) {
  const int64_t hidden = c.hidden_size, q_out = c.num_attention_heads * c.head_dim;
  const int64_t kv_out = c.num_key_value_heads * c.head_dim;
  const bool b = c.attention_bias;
  AttentionMixer a;
  ASSIGN_OR_RETURN(a.q_proj, src.Matrix(m + "q_proj", q_out, hidden, b));
  ASSIGN_OR_RETURN(a.k_proj, src.Matrix(m + "k_proj", kv_out, hidden, b));
  ASSIGN_OR_RETURN(a.v_proj, src.Matrix(m + "v_proj", kv_out, hidden, b));
  ASSIGN_OR_RETURN(a.o_proj, src.Matrix(m + "o_proj", hidden, q_out, b));
  return a;
}

}  // namespace

Result<NemotronHWeights> BindNemotronHWeights(WeightSource& src, const ModelConfig& c) {
  const int64_t hidden = c.hidden_size;
  NemotronHWeights w;
  ASSIGN_OR_RETURN(w.embeddings, src.Matrix("backbone.embeddings", c.vocab_size, hidden, false, MatrixInit::kEmbedding));
  if (!c.tie_word_embeddings) {
    ASSIGN_OR_RETURN(WeightMatrix head, src.Matrix("lm_head", c.vocab_size, hidden, false));
    w.lm_head = head;
  }
  ASSIGN_OR_RETURN(w.norm_f, src.Vector("backbone.norm_f.weight", hidden, 1.0f));
  for (size_t i = 0; i < c.layer_pattern.size(); ++i) {
    const std::string p = "backbone.layers." + std::to_string(i) + ".", m = p + "mixer.";
    NemotronLayer l;
    l.kind = c.layer_pattern[i];
    ASSIGN_OR_RETURN(l.norm, src.Vector(p + "norm.weight", hidden, 1.0f));
    switch (l.kind) {
      case 'M': {
        ASSIGN_OR_RETURN(MambaMixer x, BindMamba(src, c, m));
        l.mixer = x;
        break;
      }
      case '*': {
        ASSIGN_OR_RETURN(AttentionMixer x, BindAttention(src, c, m));
        l.mixer = x;
        break;
      }
      case 'E': {
        ASSIGN_OR_RETURN(MoeMlp x, BindMoe(src, c, m));
        l.mixer = std::move(x);
        break;
      }
      default: {
        Relu2Mlp x;
        ASSIGN_OR_RETURN(x.up_proj, src.Matrix(m + "up_proj", c.intermediate_size, hidden, c.mlp_bias));
        ASSIGN_OR_RETURN(x.down_proj, src.Matrix(m + "down_proj", hidden, c.intermediate_size, c.mlp_bias));
        l.mixer = x;
      }
    }
    w.layers.push_back(std::move(l));
  }
  return w;
}

}  // namespace vllm
