// CudaBackend's RouterTopK and MoeExperts against RefBackend (every op in double): both router
// scorings (softmax; sigmoid with correction bias, normalisation and routed scaling), both
// expert activations (SwiGLU; relu² with a shared expert), token counts from 1 through a
// 1024-token slice boundary, dense f32 experts (the quantized formats go through the same
// MatMul and are covered by the qwen3_moe models of cuda_llama_test).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "kernels/cuda/cuda_backend.h"
#include "kernels/moe.h"
#include "kernels/ref/ref_backend.h"

namespace vllm {
namespace {

std::unique_ptr<Backend> Cuda() {
  auto b = MakeCudaBackend({.device = Device::kCuda, .num_threads = 2});
  CHECK(b.ok()) << b.status().message();
  return std::move(b).value();
}

std::vector<float> Random(size_t n, std::mt19937& rng, float scale) {
  std::uniform_real_distribution<float> d(-scale, scale);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

// Host values and their copy on the CUDA backend.
struct Twin {
  std::vector<float> host;
  DeviceBuffer dev;
  Twin(Backend& cuda, std::vector<float> v) : host(std::move(v)), dev(cuda.Alloc(host.size() * 4)) {
    cuda.CopyToDevice(dev.data(), host.data(), host.size() * 4);
  }
  std::vector<float> Fetch(Backend& cuda) {
    std::vector<float> out(host.size());
    cuda.CopyToHost(out.data(), dev.data(), out.size() * 4);
    return out;
  }
};

WeightMatrix Dense(const void* p, int64_t rows, int64_t cols) {
  WeightMatrix w;
  w.rows = rows;
  w.cols = cols;
  w.dtype = DType::kF32;
  w.data = BufferView{static_cast<const std::byte*>(p), static_cast<size_t>(rows * cols) * 4};
  return w;
}

// A stacked [E*out, in] tensor and its expert views on both backends, as the loader makes them.
struct Experts {
  Twin gate, up, down;
  std::vector<ExpertMlp> host_view, dev_view;
  Experts(Backend& cuda, std::mt19937& rng, int64_t E, int64_t H, int64_t I)
      : gate(cuda, Random(E * I * H, rng, 0.2f)), up(cuda, Random(E * I * H, rng, 0.2f)),
        down(cuda, Random(E * H * I, rng, 0.2f)) {
    auto views = [&](const void* g, const void* u, const void* d) {
      const WeightMatrix G = Dense(g, E * I, H), U = Dense(u, E * I, H), D = Dense(d, E * H, I);
      std::vector<ExpertMlp> v;
      for (int64_t e = 0; e < E; ++e) v.push_back({G.Rows(e * I, I), U.Rows(e * I, I), D.Rows(e * H, H)});
      return v;
    };
    host_view = views(gate.host.data(), up.host.data(), down.host.data());
    dev_view = views(gate.dev.data(), up.dev.data(), down.dev.data());
  }
};

double RelErr(const std::vector<float>& got, const std::vector<float>& want) {
  double num = 0, den = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    num += (static_cast<double>(got[i]) - want[i]) * (static_cast<double>(got[i]) - want[i]);
    den += static_cast<double>(want[i]) * want[i];
  }
  EXPECT_GT(den, 0) << "all-zero reference proves nothing";
  return std::sqrt(num / den);
}

struct Case {
  const char* name;
  RouterScoring scoring;
  ExpertActivation act;
  bool shared, norm;
  int64_t E, k;
  float scaling;
};

TEST(CudaMoeTest, RouterAndExpertsMatchTheDoubleReference) {
  const Case cases[] = {
      {"softmax swiglu", RouterScoring::kSoftmax, ExpertActivation::kSwiGlu, false, false, 16, 4, 1.f},
      {"softmax swiglu norm", RouterScoring::kSoftmax, ExpertActivation::kSwiGlu, false, true, 128, 8, 1.f},
      {"sigmoid relu2 shared", RouterScoring::kSigmoid, ExpertActivation::kRelu2, true, true, 16, 3, 2.5f},
      {"sigmoid k=1", RouterScoring::kSigmoid, ExpertActivation::kRelu2, false, false, 5, 1, 1.f},
  };
  const int64_t H = 96, I = 40, Is = 56;
  auto cuda = Cuda();
  RefBackend ref;
  std::mt19937 rng(7);
  for (const Case& c : cases) {
    Experts ex(*cuda, rng, c.E, H, I);
    Experts sh(*cuda, rng, 1, H, Is);
    Twin bias(*cuda, Random(c.E, rng, 0.5f));
    for (int64_t T : {1, 3, 17, 70, 1100}) {
      SCOPED_TRACE(std::string(c.name) + " T=" + std::to_string(T));
      Twin logits(*cuda, Random(T * c.E, rng, 3.f)), x(*cuda, Random(T * H, rng, 1.f));
      RouterParams p{.scoring = c.scoring, .num_experts = c.E, .top_k = c.k, .norm_topk_prob = c.norm,
                     .correction_bias = nullptr, .routed_scaling = c.scaling};
      RouterParams p_ref = p, p_dev = p;
      if (c.scoring == RouterScoring::kSigmoid) {
        p_ref.correction_bias = bias.host.data();
        p_dev.correction_bias = bias.dev.data<float>();
      }
      // Router.
      std::vector<int32_t> ids_ref(T * c.k), ids_got(T * c.k);
      std::vector<float> w_ref(T * c.k), w_got(T * c.k);
      ref.RouterTopK(logits.host.data(), T, p_ref, ids_ref.data(), w_ref.data());
      DeviceBuffer ids_dev = cuda->Alloc(ids_got.size() * 4), w_dev = cuda->Alloc(w_got.size() * 4);
      cuda->RouterTopK(logits.dev.data<float>(), T, p_dev, ids_dev.data<int32_t>(), w_dev.data<float>());
      cuda->CopyToHost(ids_got.data(), ids_dev.data(), ids_got.size() * 4);
      cuda->CopyToHost(w_got.data(), w_dev.data(), w_got.size() * 4);
      ASSERT_EQ(ids_got, ids_ref);  // random logits: no ties within f32 rounding
      EXPECT_LT(RelErr(w_got, w_ref), 1e-6);
      // Experts, on the reference's routing (so both see the same ids and weights).
      const MoeWeights mw_ref{.activation = c.act, .experts = ex.host_view,
                              .shared = c.shared ? &sh.host_view[0] : nullptr};
      const MoeWeights mw_dev{.activation = c.act, .experts = ex.dev_view,
                              .shared = c.shared ? &sh.dev_view[0] : nullptr};
      std::vector<float> want(T * H);
      ref.MoeExperts(mw_ref, x.host.data(), T, c.k, ids_ref.data(), w_ref.data(), want.data());
      Twin out(*cuda, std::vector<float>(T * H, NAN));
      cuda->MoeExperts(mw_dev, x.dev.data<float>(), T, c.k, ids_dev.data<int32_t>(), w_dev.data<float>(),
                       out.dev.data<float>());
      const std::vector<float> got = out.Fetch(*cuda);
      for (float v : got) ASSERT_TRUE(std::isfinite(v));
      EXPECT_LT(RelErr(got, want), 1e-5);
    }
  }
}

// A token's output depends on its own row only: alone, or in a batch with others that pick the
// same experts, the bits are the same (every expert row is a decode row of the f32 GEMV).
TEST(CudaMoeTest, TokenResultIndependentOfBatch) {
  const int64_t E = 8, k = 2, H = 64, I = 32, T = 40;
  auto cuda = Cuda();
  std::mt19937 rng(9);
  Experts ex(*cuda, rng, E, H, I);
  Twin logits(*cuda, Random(T * E, rng, 3.f)), x(*cuda, Random(T * H, rng, 1.f));
  const RouterParams p{.scoring = RouterScoring::kSoftmax, .num_experts = E, .top_k = k, .norm_topk_prob = true};
  const MoeWeights mw{.activation = ExpertActivation::kSwiGlu, .experts = ex.dev_view, .shared = nullptr};
  DeviceBuffer ids = cuda->Alloc(T * k * 4), w = cuda->Alloc(T * k * 4), out = cuda->Alloc(T * H * 4);
  cuda->RouterTopK(logits.dev.data<float>(), T, p, ids.data<int32_t>(), w.data<float>());
  cuda->MoeExperts(mw, x.dev.data<float>(), T, k, ids.data<int32_t>(), w.data<float>(), out.data<float>());
  std::vector<float> batched(T * H), alone(H);
  cuda->CopyToHost(batched.data(), out.data(), batched.size() * 4);
  for (int64_t t : {0, 17, 39}) {
    DeviceBuffer one = cuda->Alloc(H * 4);
    cuda->MoeExperts(mw, x.dev.data<float>() + t * H, 1, k, ids.data<int32_t>() + t * k, w.data<float>() + t * k,
                     one.data<float>());
    cuda->CopyToHost(alone.data(), one.data(), H * 4);
    EXPECT_TRUE(std::equal(alone.begin(), alone.end(), batched.begin() + t * H)) << "token " << t;
  }
}

}  // namespace
}  // namespace vllm
