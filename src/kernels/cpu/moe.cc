#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/cpu/cpu_ops.h"
#include "kernels/cpu/moe_ops.h"
#include "util/check.h"

namespace vllm::cpu {

namespace {

// The k largest of score[E] into chosen[k], descending; ties keep the lower id. O(k*E), for
// k = 8 and E = 128 about a thousand compares per token, under the router matmul's cost.
void TopK(const float* score, int64_t E, int64_t k, int32_t* chosen, std::vector<char>& taken) {
  taken.assign(static_cast<size_t>(E), 0);
  for (int64_t j = 0; j < k; ++j) {
    int64_t best = -1;
    for (int64_t e = 0; e < E; ++e)
      if (!taken[e] && (best < 0 || score[e] > score[best])) best = e;
    taken[best] = 1;
    chosen[j] = static_cast<int32_t>(best);
  }
}

}  // namespace

void RouterTopK(const float* logits, int64_t T, const RouterParams& p, int32_t* ids, float* weights) {
  const int64_t E = p.num_experts, k = p.top_k;
  CHECK(k >= 1 && k <= E) << "top_k " << k << " with " << E << " experts";
  thread_local std::vector<float> score, prob;
  thread_local std::vector<char> taken;
  score.resize(static_cast<size_t>(E));
  prob.resize(static_cast<size_t>(E));
  for (int64_t t = 0; t < T; ++t) {
    const float* l = logits + t * E;
    int32_t* id = ids + t * k;
    float* w = weights + t * k;
    if (p.scoring == RouterScoring::kSoftmax) {
      // p = softmax(l) in f32 with exact exp (mlx's precise softmax); the top-k of p.
      float mx = l[0];
      for (int64_t e = 1; e < E; ++e) mx = std::max(mx, l[e]);
      float z = 0.f;
      for (int64_t e = 0; e < E; ++e) z += (prob[e] = std::exp(l[e] - mx));
      for (int64_t e = 0; e < E; ++e) prob[e] /= z;
      TopK(prob.data(), E, k, id, taken);
      for (int64_t j = 0; j < k; ++j) w[j] = prob[id[j]];
      if (p.norm_topk_prob) {
        float s = 0.f;
        for (int64_t j = 0; j < k; ++j) s += w[j];
        for (int64_t j = 0; j < k; ++j) w[j] /= s;
      }
    } else {
      // s = sigmoid(l); selection on s + bias, weights from the unbiased s.
      for (int64_t e = 0; e < E; ++e) {
        prob[e] = 1.f / (1.f + std::exp(-l[e]));
        score[e] = prob[e] + (p.correction_bias ? p.correction_bias[e] : 0.f);
      }
      TopK(score.data(), E, k, id, taken);
      for (int64_t j = 0; j < k; ++j) w[j] = prob[id[j]];
      if (p.norm_topk_prob) {
        float s = 0.f;
        for (int64_t j = 0; j < k; ++j) s += w[j];
        for (int64_t j = 0; j < k; ++j) w[j] /= s + 1e-20f;
      }
    }
    for (int64_t j = 0; j < k; ++j) w[j] *= p.routed_scaling;
  }
}

void Relu2(const float* x, int64_t n, float* out) {
  for (int64_t i = 0; i < n; ++i) {
    const float r = std::max(x[i], 0.f);
    out[i] = r * r;
  }
}

namespace {

// One slice of at most kMaxSliceTokens tokens (MoeExperts below).
void MoeSlice(const MoeWeights& w, const float* x, int64_t T, int64_t k, const int32_t* ids,
              const float* weights, float* out, ThreadPool& pool) {
  const int64_t E = static_cast<int64_t>(w.experts.size()), N = T * k;
  CHECK_GT(E, 0) << "MoeExperts without experts";
  const bool glu = w.activation == ExpertActivation::kSwiGlu;
  const int64_t H = w.experts[0].up.cols, I = w.experts[0].up.rows;
  const int64_t Is = w.shared ? w.shared->up.rows : 0;
  // Scratch owned by the calling thread, grown to the largest step and reused.
  thread_local std::vector<int32_t> count, start, pair_token, pos;
  thread_local std::vector<float> xs, g, u, ys, sg, su, sy;
  thread_local std::vector<GroupedMatMulJob> jobs;

  // 1. Bucket the (token, slot) pairs by expert: start[e] = first sorted row of expert e;
  //    pos[t*k + j] = the sorted row that holds pair (t, j).
  count.assign(static_cast<size_t>(E), 0);
  for (int64_t i = 0; i < N; ++i) {
    CHECK(ids[i] >= 0 && ids[i] < E) << "expert id " << ids[i] << " outside [0, " << E << ")";
    ++count[ids[i]];
  }
  start.assign(static_cast<size_t>(E) + 1, 0);
  for (int64_t e = 0; e < E; ++e) start[e + 1] = start[e] + count[e];
  pos.resize(static_cast<size_t>(N));
  pair_token.resize(static_cast<size_t>(N));
  std::fill(count.begin(), count.end(), 0);
  for (int64_t i = 0; i < N; ++i) {  // pairs in (token, slot) order: tokens ascend per expert
    const int32_t e = ids[i];
    const int32_t row = start[e] + count[e]++;
    pos[i] = row;
    pair_token[row] = static_cast<int32_t>(i / k);
  }
  // 2. Gather: xs[row] = x[token of row], [N, H].
  xs.resize(static_cast<size_t>(N * H));
  for (int64_t r = 0; r < N; ++r)
    std::memcpy(xs.data() + r * H, x + static_cast<int64_t>(pair_token[r]) * H, H * sizeof(float));
  u.resize(static_cast<size_t>(N * I));
  if (glu) g.resize(static_cast<size_t>(N * I));
  ys.resize(static_cast<size_t>(N * H));
  if (w.shared) {
    su.resize(static_cast<size_t>(T * Is));
    if (glu) sg.resize(static_cast<size_t>(T * Is));
    sy.resize(static_cast<size_t>(T * H));
  }
  // 3. Every used expert's gate and up (and the shared expert's) in one pass.
  jobs.clear();
  for (int64_t e = 0; e < E; ++e) {
    const int64_t m = start[e + 1] - start[e];
    if (m == 0) continue;
    const ExpertMlp& ex = w.experts[e];
    CHECK(ex.up.rows == I && ex.up.cols == H && ex.down.rows == H && ex.down.cols == I)
        << "expert " << e << " has another shape than expert 0";
    const float* xe = xs.data() + start[e] * H;
    if (glu) jobs.push_back({&ex.gate, xe, m, g.data() + start[e] * I});
    jobs.push_back({&ex.up, xe, m, u.data() + start[e] * I});
  }
  if (w.shared) {
    if (glu) jobs.push_back({&w.shared->gate, x, T, sg.data()});
    jobs.push_back({&w.shared->up, x, T, su.data()});
  }
  MatMulGrouped(jobs.data(), static_cast<int>(jobs.size()), pool);
  // 4. Activation over all pairs at once: act lands in u.
  if (glu) {
    SiluMul(g.data(), u.data(), N * I, u.data());
    if (w.shared) SiluMul(sg.data(), su.data(), T * Is, su.data());
  } else {
    Relu2(u.data(), N * I, u.data());
    if (w.shared) Relu2(su.data(), T * Is, su.data());
  }
  // 5. Every down projection in a second pass.
  jobs.clear();
  for (int64_t e = 0; e < E; ++e) {
    const int64_t m = start[e + 1] - start[e];
    if (m > 0) jobs.push_back({&w.experts[e].down, u.data() + start[e] * I, m, ys.data() + start[e] * H});
  }
  if (w.shared) jobs.push_back({&w.shared->down, su.data(), T, sy.data()});
  MatMulGrouped(jobs.data(), static_cast<int>(jobs.size()), pool);
  // 6. Weighted sum per token, slots in order, then the shared expert.
  for (int64_t t = 0; t < T; ++t) {
    float* o = out + t * H;
    std::fill(o, o + H, 0.f);
    for (int64_t j = 0; j < k; ++j) {
      const float wj = weights[t * k + j];
      const float* y = ys.data() + static_cast<int64_t>(pos[t * k + j]) * H;
      for (int64_t h = 0; h < H; ++h) o[h] += wj * y[h];
    }
    if (w.shared)
      for (int64_t h = 0; h < H; ++h) o[h] += sy[t * H + h];
  }
}

}  // namespace

void MoeExperts(const MoeWeights& w, const float* x, int64_t T, int64_t k, const int32_t* ids,
                const float* weights, float* out, ThreadPool& pool) {
  // The scratch grows with the pairs of one call (gathered x and expert outputs [T*k, H], the
  // activations [T*k, I], each job's prepared x): ~0.4 GB for 1024 tokens of Qwen3-30B-A3B. A
  // longer prefill chunk runs in 1024-token slices, re-reading the experts once per slice, which
  // costs little next to a slice's arithmetic (6 GFLOP per token there against 16 GB of experts).
  constexpr int64_t kMaxSliceTokens = 1024;
  for (int64_t t0 = 0; t0 < T; t0 += kMaxSliceTokens) {
    const int64_t n = std::min(kMaxSliceTokens, T - t0);
    const int64_t H = w.experts[0].up.cols;
    MoeSlice(w, x + t0 * H, n, k, ids + t0 * k, weights + t0 * k, out + t0 * H, pool);
  }
}

}  // namespace vllm::cpu
