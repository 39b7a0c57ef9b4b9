// Norms, RoPE, SiLU*mul and the residual add against the double references.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kernels/cuda/cuda_ops.h"
#include "test_data.h"

namespace cuda_test {
namespace {

// 1, below a warp, odd lengths, a block, the models' widths and long rows with tails.
constexpr int64_t kRowDims[] = {1, 2, 7, 33, 100, 129, 256, 1024, 2048, 4096, 4133};

TEST(CudaElementwise, RmsNorm) {
  std::mt19937 rng(11);
  for (int64_t dim : kRowDims) {
    const int64_t rows = 5;
    const auto x = RandomFloats(rows * dim, rng), w = RandomFloats(dim, rng, 0.5f, 1.5f);
    const auto want = ref::RmsNorm(x, w, dim, 1e-6);
    DeviceArray<float> dx(x), dw(w), dy(x.size());
    vllm::cuda::RmsNorm(dx.get(), dw.get(), rows, dim, 1e-6f, dy.get(), nullptr);
    const auto y = dy.ToHost();
    EXPECT_LT(RelErr(y, want), 1e-6) << "dim=" << dim;
    vllm::cuda::RmsNorm(dx.get(), dw.get(), rows, dim, 1e-6f, dx.get(), nullptr);  // in place
    EXPECT_EQ(dx.ToHost(), y) << "dim=" << dim << " in place";
  }
}

// The fused op against the reference, and bit for bit against AddInPlace + RmsNorm.
TEST(CudaElementwise, AddRmsNorm) {
  std::mt19937 rng(12);
  for (int64_t dim : kRowDims) {
    const int64_t rows = 3;
    const auto x = RandomFloats(rows * dim, rng), r = RandomFloats(rows * dim, rng);
    const auto w = RandomFloats(dim, rng, 0.5f, 1.5f);
    const ref::AddRmsNormResult want = ref::AddRmsNorm(x, r, w, dim, 1e-6);
    const std::vector<double>&want_sum = want.sum, &want_out = want.out;
    DeviceArray<float> dx(x), dr(r), dw(w), dout(x.size());
    vllm::cuda::AddRmsNorm(dx.get(), dr.get(), dw.get(), rows, dim, 1e-6f, dout.get(), nullptr);
    const auto sum = dx.ToHost(), out = dout.ToHost();
    EXPECT_LT(RelErr(sum, want_sum), 1e-6) << "dim=" << dim;
    EXPECT_LT(RelErr(out, want_out), 1e-6) << "dim=" << dim;
    DeviceArray<float> dx2(x), dout2(x.size());
    vllm::cuda::AddInPlace(dx2.get(), dr.get(), rows * dim, nullptr);
    vllm::cuda::RmsNorm(dx2.get(), dw.get(), rows, dim, 1e-6f, dout2.get(), nullptr);
    EXPECT_EQ(dx2.ToHost(), sum) << "dim=" << dim;
    EXPECT_EQ(dout2.ToHost(), out) << "dim=" << dim;
  }
}

TEST(CudaElementwise, AddInPlace) {
  std::mt19937 rng(13);
  for (int64_t n : {1, 7, 33, 4096, 100003}) {
    const auto x = RandomFloats(n, rng), y = RandomFloats(n, rng);
    DeviceArray<float> dx(x), dy(y);
    vllm::cuda::AddInPlace(dx.get(), dy.get(), n, nullptr);
    EXPECT_LT(RelErr(dx.ToHost(), ref::Add(x, y)), 1e-7) << "n=" << n;
  }
}

// Gates from -100 (exp(-g) overflows a float) to 30.
TEST(CudaElementwise, SiluMul) {
  std::mt19937 rng(14);
  for (int64_t n : {1, 7, 33, 1000, 100003}) {
    auto gate = RandomFloats(n, rng, -100.f, 30.f), up = RandomFloats(n, rng);
    gate[0] = -100.f;
    const auto want = ref::SiluMul(gate, up);
    DeviceArray<float> dg(gate), du(up), dout(n);
    vllm::cuda::SiluMul(dg.get(), du.get(), n, dout.get(), nullptr);
    const auto out = dout.ToHost();
    for (int64_t i = 0; i < n; ++i)
      ASSERT_NEAR(out[i], want[i], 1e-6 * (std::abs(want[i]) + 1e-3)) << "n=" << n << " i=" << i;
  }
}

// Angles are f32 as on the CPU: at position 4095 an angle is off by ~4095 * 2^-24 rad, hence
// 1e-4 against the double reference.
TEST(CudaElementwise, Rope) {
  std::mt19937 rng(15);
  const std::vector<int32_t> pos = {0, 1, 17, 4095};
  const int64_t tokens = static_cast<int64_t>(pos.size()), heads = 3;
  for (int64_t head_dim : {2, 8, 14, 64, 128, 256}) {
    const auto q = RandomFloats(tokens * heads * head_dim, rng);
    const auto inv = RandomFloats(head_dim / 2, rng, 0.f, 1.f);
    const auto want = ref::Rope(q, pos, heads, head_dim, inv);
    DeviceArray<float> dq(q), dinv(inv);
    DeviceArray<int32_t> dpos(pos);
    vllm::cuda::ApplyRope(dq.get(), dpos.get(), tokens, heads, head_dim, dinv.get(), nullptr);
    EXPECT_LT(RelErr(dq.ToHost(), want), 1e-4) << "head_dim=" << head_dim;
  }
}

}  // namespace
}  // namespace cuda_test
