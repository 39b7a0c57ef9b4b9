// Mixture-of-experts as the kernels see it (MOE_HYBRID.md §1, §2, §4): the router's choice
// (RouterParams) and the experts' weights (MoeWeights), plain data and non-owning views.
//
// A layer's E experts are usually one stacked tensor per projection, [E, out, in] in the MLX
// checkpoint; expert e is then rows [e*out, (e+1)*out) of one [E*out, in] WeightMatrix, so each
// ExpertMlp below is a Rows() view of it (no copy). Checkpoints that store one tensor per
// expert (HF layout) give independent matrices; the kernels do not care.
#pragma once

#include <cstdint>
#include <span>

#include "kernels/weight_matrix.h"

namespace vllm {

enum class RouterScoring {
  kSoftmax,  // qwen3_moe: p = softmax(logits) over all E; top-k of p
  kSigmoid,  // nemotron_h: s = sigmoid(logits); top-k of s + correction_bias; weights from s
};

// Router: logits [T, E] (x @ gate^T) -> per token k expert ids and weights.
//  softmax: w_j = p[id_j]; norm_topk_prob: w /= sum(w) (no epsilon, as mlx-lm).
//  sigmoid: w_j = s[id_j] (the bias only selects); norm_topk_prob: w /= (sum(w) + 1e-20).
//  Then w *= routed_scaling (1 for qwen3_moe, 2.5 for Nemotron-Nano).
// Ties pick the lower expert id; the k ids of a token come out in descending score order.
struct RouterParams {
  RouterScoring scoring = RouterScoring::kSoftmax;
  int64_t num_experts = 0;  // E
  int64_t top_k = 0;        // k <= E
  bool norm_topk_prob = false;
  const float* correction_bias = nullptr;  // f32 [E] on the backend's device; sigmoid only
  float routed_scaling = 1.0f;
};

enum class ExpertActivation {
  kSwiGlu,  // down(silu(gate(x)) * up(x))          (qwen3_moe)
  kRelu2,   // down(relu(up(x))^2), `gate` unused     (nemotron_h; `up` is fc1, `down` fc2)
};

// One expert's MLP: gate/up [I, H], down [H, I] (gate empty, rows == 0, for kRelu2).
struct ExpertMlp {
  WeightMatrix gate, up, down;
};

// A layer's routed experts plus an optional shared expert that every token passes through
// with weight 1 (Nemotron), out[t] = sum_j w[t,j] * expert_{id[t,j]}(x_t) + shared(x_t).
// The shared expert may have its own intermediate size.
struct MoeWeights {
  ExpertActivation activation = ExpertActivation::kSwiGlu;
  std::span<const ExpertMlp> experts;  // E, owned by the model
  const ExpertMlp* shared = nullptr;
};

}  // namespace vllm
