#include "kernels/ref/ref_moe.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "kernels/ref/ref_ops.h"

namespace vllm::ref {

RouterChoice RouterTopK(const std::vector<float>& logits, int64_t T, const RouterParams& p) {
  const int64_t E = p.num_experts, k = p.top_k;
  RouterChoice c;
  for (int64_t t = 0; t < T; ++t) {
    std::vector<double> prob(E), score(E);
    if (p.scoring == RouterScoring::kSoftmax) {
      double z = 0;
      for (int64_t e = 0; e < E; ++e) z += std::exp(static_cast<double>(logits[t * E + e]));
      for (int64_t e = 0; e < E; ++e) score[e] = prob[e] = std::exp(static_cast<double>(logits[t * E + e])) / z;
    } else {
      for (int64_t e = 0; e < E; ++e) {
        prob[e] = 1.0 / (1.0 + std::exp(-static_cast<double>(logits[t * E + e])));
        score[e] = prob[e] + (p.correction_bias ? p.correction_bias[e] : 0.0);
      }
    }
    std::vector<int32_t> order(E);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return score[a] > score[b]; });
    double sum = 0;
    for (int64_t j = 0; j < k; ++j) sum += prob[order[j]];
    const double denom = !p.norm_topk_prob ? 1.0 : (p.scoring == RouterScoring::kSoftmax ? sum : sum + 1e-20);
    for (int64_t j = 0; j < k; ++j) {
      c.ids.push_back(order[j]);
      c.weights.push_back(prob[order[j]] / denom * p.routed_scaling);
    }
  }
  return c;
}

namespace {

// One expert on one token: down(act(x)), act rounded to f32 before down.
std::vector<double> Expert(const ExpertMlp& ex, ExpertActivation act, const std::vector<float>& xt) {
  const std::vector<double> up = MatMul(ex.up, xt, 1);
  std::vector<double> gate;
  if (act == ExpertActivation::kSwiGlu) gate = MatMul(ex.gate, xt, 1);
  std::vector<float> a(up.size());
  for (size_t i = 0; i < up.size(); ++i) {
    if (act == ExpertActivation::kSwiGlu) {
      const double gi = static_cast<float>(gate[i]);
      a[i] = static_cast<float>(gi / (1.0 + std::exp(-gi)) * static_cast<float>(up[i]));
    } else {
      const double r = std::max(0.0, static_cast<double>(static_cast<float>(up[i])));
      a[i] = static_cast<float>(r * r);
    }
  }
  return MatMul(ex.down, a, 1);
}

}  // namespace

std::vector<double> MoeExperts(const MoeWeights& w, const std::vector<float>& x, int64_t T, int64_t k,
                               const std::vector<int32_t>& ids, const std::vector<float>& weights) {
  const int64_t H = w.experts[0].up.cols;
  std::vector<double> out(T * H, 0.0);
  for (int64_t t = 0; t < T; ++t) {
    const std::vector<float> xt(x.begin() + t * H, x.begin() + (t + 1) * H);
    for (int64_t j = 0; j < k; ++j) {
      const std::vector<double> y = Expert(w.experts[ids[t * k + j]], w.activation, xt);
      for (int64_t h = 0; h < H; ++h) out[t * H + h] += weights[t * k + j] * y[h];
    }
    if (w.shared) {
      const std::vector<double> y = Expert(*w.shared, w.activation, xt);
      for (int64_t h = 0; h < H; ++h) out[t * H + h] += y[h];
    }
  }
  return out;
}

}  // namespace vllm::ref
