// The CPU mixture-of-experts kernels (cpu/moe.cc) against the naive references (ref/ref_moe.cc):
// router variants, and the expert block swept over token counts (1 = decode, odd, > 8 = the
// tile GEMM), expert counts, k, weight formats and both activations, on every SIMD target.
// Errors are relative (‖ours − ref‖ / ‖ref‖); inputs are never zero.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/cpu_ops.h"
#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/moe_ops.h"
#include "kernels/owned_matrix.h"
#include "kernels/ref/ref_backend.h"
#include "kernels/ref/ref_moe.h"
#include "util/half.h"

namespace vllm {
namespace {

double RelErr(const std::vector<float>& got, const std::vector<double>& want) {
  double num = 0, den = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    num += (got[i] - want[i]) * (got[i] - want[i]);
    den += want[i] * want[i];
  }
  EXPECT_GT(den, 0.0) << "reference is all zeros: the test would prove nothing";
  return std::sqrt(num / den);
}

std::vector<float> RandomFloats(size_t n, std::mt19937& rng, float lo = -1.f, float hi = 1.f) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// A stacked [num*rows, cols] matrix: bf16 dense (bits 0) or affine (bf16 group params).
OwnedMatrix Stacked(int64_t num, int64_t rows, int64_t cols, int bits, int gs, std::mt19937& rng) {
  OwnedMatrix w;
  w.rows = num * rows;
  w.cols = cols;
  const float a = std::sqrt(3.f / static_cast<float>(cols));
  if (bits == 0) {
    w.dtype = DType::kBF16;
    uint16_t* d = w.Own<uint16_t>(&WeightMatrix::data, w.rows * cols * 2);
    for (float v : RandomFloats(w.rows * cols, rng, -a, a)) *d++ = F32ToBf16(v);
    return w;
  }
  w.quantized = true;
  w.bits = bits;
  w.group_size = gs;
  w.scale_dtype = DType::kBF16;
  uint32_t* codes = w.Own<uint32_t>(&WeightMatrix::data, w.rows * w.words_per_row() * 4);
  for (int64_t i = 0; i < w.rows * w.words_per_row(); ++i) codes[i] = rng();
  const int64_t groups = w.rows * w.groups_per_row();
  uint16_t* s = w.Own<uint16_t>(&WeightMatrix::scales, groups * 2);
  uint16_t* b = w.Own<uint16_t>(&WeightMatrix::biases, groups * 2);
  for (float v : RandomFloats(groups, rng, 0.5f, 1.5f)) *s++ = F32ToBf16(v * 2 * a / ((1 << bits) - 1));
  for (float v : RandomFloats(groups, rng, 0.5f, 1.5f)) *b++ = F32ToBf16(-a * v);
  return w;
}

struct Experts {
  OwnedMatrix gate, up, down, sgate, sup, sdown;
  std::vector<ExpertMlp> views;
  ExpertMlp shared;
  MoeWeights Weights(ExpertActivation act, bool with_shared) const {
    return MoeWeights{.activation = act, .experts = views, .shared = with_shared ? &shared : nullptr};
  }
};

Experts MakeExperts(int64_t E, int64_t H, int64_t I, int64_t Is, int bits, int gs, std::mt19937& rng) {
  Experts x;
  x.gate = Stacked(E, I, H, bits, gs, rng);
  x.up = Stacked(E, I, H, bits, gs, rng);
  x.down = Stacked(E, H, I, bits, gs, rng);
  for (int64_t e = 0; e < E; ++e)
    x.views.push_back({x.gate.Rows(e * I, I), x.up.Rows(e * I, I), x.down.Rows(e * H, H)});
  x.sgate = Stacked(1, Is, H, bits, gs, rng);
  x.sup = Stacked(1, Is, H, bits, gs, rng);
  x.sdown = Stacked(1, H, Is, bits, gs, rng);
  x.shared = {x.sgate, x.sup, x.sdown};
  return x;
}

// The opt-in VNNI targets round activations to 16 or 8 bits per group (kernels_test.cc's
// ExpectMatMulClose has the exact bound); everywhere else the kernels are f32.
double Tolerance(cpu::SimdTarget t) {
  if (t == cpu::SimdTarget::kAvx512VnniInt8) return 3e-2;
  if (t == cpu::SimdTarget::kAvx512Vnni) return 1e-3;
  return 2e-5;
}

TEST(MoeKernels, RouterSoftmaxAndSigmoidMatchReference) {
  std::mt19937 rng(1);
  for (int64_t E : {1, 8, 13, 128})
    for (int64_t k : {1, 2, 8})
      for (int64_t T : {1, 5, 33}) {
        if (k > E) continue;
        const std::vector<float> logits = RandomFloats(T * E, rng, -4.f, 4.f);
        const std::vector<float> bias = RandomFloats(E, rng, -0.3f, 0.3f);
        for (int variant = 0; variant < 4; ++variant) {
          RouterParams p{.scoring = variant < 2 ? RouterScoring::kSoftmax : RouterScoring::kSigmoid,
                         .num_experts = E,
                         .top_k = k,
                         .norm_topk_prob = variant % 2 == 0,
                         .correction_bias = variant >= 2 ? bias.data() : nullptr,
                         .routed_scaling = variant == 2 ? 2.5f : 1.f};
          std::vector<int32_t> ids(T * k);
          std::vector<float> w(T * k);
          cpu::RouterTopK(logits.data(), T, p, ids.data(), w.data());
          const ref::RouterChoice want = ref::RouterTopK(logits, T, p);
          const std::string label = "E=" + std::to_string(E) + " k=" + std::to_string(k) +
                                    " T=" + std::to_string(T) + " variant=" + std::to_string(variant);
          EXPECT_EQ(ids, want.ids) << label;
          EXPECT_LT(RelErr(w, want.weights), 1e-6) << label;
        }
      }
}

// The correction bias must change the selection but not the weights (MOE_HYBRID.md §2).
TEST(MoeKernels, SigmoidBiasSelectsButDoesNotWeigh) {
  const std::vector<float> logits = {2.f, 1.f, 0.f, -1.f};
  const std::vector<float> bias = {0.f, 0.f, 0.f, 5.f};
  RouterParams p{.scoring = RouterScoring::kSigmoid, .num_experts = 4, .top_k = 2,
                 .norm_topk_prob = false, .correction_bias = bias.data(), .routed_scaling = 2.f};
  int32_t ids[2];
  float w[2];
  cpu::RouterTopK(logits.data(), 1, p, ids, w);
  EXPECT_EQ(ids[0], 3);
  EXPECT_EQ(ids[1], 0);
  EXPECT_NEAR(w[0], 2.f / (1.f + std::exp(1.f)), 1e-6);
  EXPECT_NEAR(w[1], 2.f / (1.f + std::exp(-2.f)), 1e-6);
}

TEST(MoeKernels, ExpertsMatchReferenceEveryTarget) {
  const std::vector<cpu::SimdTarget> targets = cpu::SupportedSimdTargets();
  const cpu::SimdTarget saved = cpu::ActiveSimdTarget();
  ThreadPool pool(3);
  struct Shape {
    int64_t E, k, H, I, Is;
    int bits, gs;
  };
  const Shape shapes[] = {{8, 2, 64, 32, 64, 4, 32},   {13, 3, 128, 64, 192, 8, 64},
                          {4, 4, 64, 48, 32, 0, 0},    {16, 8, 256, 64, 128, 4, 64},
                          {5, 1, 128, 128, 256, 6, 128}};
  for (cpu::SimdTarget target : targets) {
    cpu::SetSimdTarget(target);
    std::mt19937 rng(7);
    for (const Shape& s : shapes) {
      const Experts ex = MakeExperts(s.E, s.H, s.I, s.Is, s.bits, s.gs, rng);
      for (int64_t T : {1, 2, 7, 23}) {
        const std::vector<float> x = RandomFloats(T * s.H, rng);
        const std::vector<float> logits = RandomFloats(T * s.E, rng, -3.f, 3.f);
        RouterParams p{.num_experts = s.E, .top_k = s.k, .norm_topk_prob = true};
        std::vector<int32_t> ids(T * s.k);
        std::vector<float> w(T * s.k);
        cpu::RouterTopK(logits.data(), T, p, ids.data(), w.data());
        for (int act = 0; act < 2; ++act) {
          const ExpertActivation a = act == 0 ? ExpertActivation::kSwiGlu : ExpertActivation::kRelu2;
          const MoeWeights mw = ex.Weights(a, /*with_shared=*/act == 1);
          std::vector<float> out(T * s.H, -7.f);
          cpu::MoeExperts(mw, x.data(), T, s.k, ids.data(), w.data(), out.data(), pool);
          const std::vector<double> want = ref::MoeExperts(mw, x, T, s.k, ids, w);
          EXPECT_LT(RelErr(out, want), Tolerance(target))
              << cpu::SimdTargetName(target) << " E=" << s.E << " k=" << s.k << " bits=" << s.bits
              << " T=" << T << (act ? " relu2+shared" : " swiglu");
        }
      }
    }
  }
  cpu::SetSimdTarget(saved);
}

// A token's output does not depend on which other tokens share its step (bucketing and the
// per-token slot-ordered sum): the same token alone and inside a 17-token batch agree to f32
// rounding of the matmul path chosen for each expert's token count.
TEST(MoeKernels, TokenResultIndependentOfBatch) {
  ThreadPool pool(3);
  std::mt19937 rng(3);
  const int64_t E = 8, k = 2, H = 64, I = 32, T = 17;
  const Experts ex = MakeExperts(E, H, I, 32, 4, 32, rng);
  const MoeWeights mw = ex.Weights(ExpertActivation::kSwiGlu, false);
  const std::vector<float> x = RandomFloats(T * H, rng);
  const std::vector<float> logits = RandomFloats(T * E, rng, -3.f, 3.f);
  RouterParams p{.num_experts = E, .top_k = k, .norm_topk_prob = true};
  std::vector<int32_t> ids(T * k);
  std::vector<float> w(T * k), all(T * H), one(H);
  cpu::RouterTopK(logits.data(), T, p, ids.data(), w.data());
  cpu::MoeExperts(mw, x.data(), T, k, ids.data(), w.data(), all.data(), pool);
  for (int64_t t = 0; t < T; ++t) {
    cpu::MoeExperts(mw, x.data() + t * H, 1, k, ids.data() + t * k, w.data() + t * k, one.data(), pool);
    std::vector<double> want(one.begin(), one.end());
    EXPECT_LT(RelErr(std::vector<float>(all.begin() + t * H, all.begin() + (t + 1) * H), want), 1e-5) << t;
  }
}

// More tokens than one 1024-token slice: the slices join up exactly.
TEST(MoeKernels, LongPrefillRunsInSlices) {
  ThreadPool pool(2);
  std::mt19937 rng(9);
  const int64_t E = 4, k = 2, H = 64, I = 32, T = 1100;
  const Experts ex = MakeExperts(E, H, I, 32, 8, 32, rng);
  const MoeWeights mw = ex.Weights(ExpertActivation::kSwiGlu, false);
  const std::vector<float> x = RandomFloats(T * H, rng), logits = RandomFloats(T * E, rng, -3.f, 3.f);
  RouterParams p{.num_experts = E, .top_k = k, .norm_topk_prob = true};
  std::vector<int32_t> ids(T * k);
  std::vector<float> w(T * k), out(T * H);
  cpu::RouterTopK(logits.data(), T, p, ids.data(), w.data());
  cpu::MoeExperts(mw, x.data(), T, k, ids.data(), w.data(), out.data(), pool);
  EXPECT_LT(RelErr(out, ref::MoeExperts(mw, x, T, k, ids, w)), Tolerance(cpu::ActiveSimdTarget()));
}

TEST(MoeKernels, GroupedMatMulSkipsEmptyJobs) {
  ThreadPool pool(2);
  std::mt19937 rng(4);
  OwnedMatrix a = Stacked(1, 16, 64, 4, 32, rng), b = Stacked(1, 8, 64, 8, 64, rng);
  const std::vector<float> x = RandomFloats(3 * 64, rng);
  std::vector<float> ya(16, 5.f), yb(3 * 8);
  const GroupedMatMulJob jobs[] = {{&a, x.data(), 0, ya.data()}, {&b, x.data(), 3, yb.data()}};
  cpu::MatMulGrouped(jobs, 2, pool);
  for (float v : ya) EXPECT_EQ(v, 5.f);
  std::vector<float> want(3 * 8);
  cpu::MatMul(b, x.data(), 3, want.data(), pool);
  EXPECT_EQ(yb, want);
}

// The Nemotron-style block (sigmoid router with correction bias and routed scaling, relu^2
// experts plus a shared expert) through the Backend boundary: CpuBackend against RefBackend.
TEST(MoeKernels, BackendsAgreeOnSigmoidRelu2SharedBlock) {
  std::mt19937 rng(11);
  const int64_t E = 12, k = 3, H = 128, I = 64, Is = 128;
  const Experts ex = MakeExperts(E, H, I, Is, 6, 64, rng);
  const MoeWeights mw = ex.Weights(ExpertActivation::kRelu2, true);
  const std::vector<float> bias = RandomFloats(E, rng, -0.2f, 0.2f);
  const RouterParams p{.scoring = RouterScoring::kSigmoid, .num_experts = E, .top_k = k,
                       .norm_topk_prob = true, .correction_bias = bias.data(), .routed_scaling = 2.5f};
  CpuBackend cpu(2);
  RefBackend ref;
  for (int64_t T : {1, 9}) {
    const std::vector<float> x = RandomFloats(T * H, rng), logits = RandomFloats(T * E, rng, -2.f, 2.f);
    std::vector<int32_t> ids_c(T * k), ids_r(T * k);
    std::vector<float> w_c(T * k), w_r(T * k), out_c(T * H), out_r(T * H);
    cpu.RouterTopK(logits.data(), T, p, ids_c.data(), w_c.data());
    ref.RouterTopK(logits.data(), T, p, ids_r.data(), w_r.data());
    ASSERT_EQ(ids_c, ids_r) << T;
    cpu.MoeExperts(mw, x.data(), T, k, ids_c.data(), w_c.data(), out_c.data());
    ref.MoeExperts(mw, x.data(), T, k, ids_r.data(), w_r.data(), out_r.data());
    EXPECT_LT(RelErr(out_c, std::vector<double>(out_r.begin(), out_r.end())), Tolerance(cpu::ActiveSimdTarget())) << T;
  }
}

}  // namespace
}  // namespace vllm
