// GGUF block formats (util/block_quant.h) through the CPU kernels against the naive
// references (kernels/ref/ref_blocks.cc: value by value from bit positions, in double), and
// the gemma ops (GELU-tanh GLU, sliding-window attention). Sizes: 1 row, odd rows, one and
// several blocks per row, token counts across the fused/tile switch, long rows. Bit-exactness
// of the decoded values against gguf.quants is tests/conformance/test_gguf_dequant.py.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "kernels/cpu/cpu_ops.h"
#include "kernels/cpu/dispatch.h"
#include "kernels/owned_matrix.h"
#include "kernels/ref/ref_ops.h"
#include "runner/batch_inputs.h"
#include "util/half.h"

namespace vllm {
namespace {

constexpr BlockQuant kAll[] = {BlockQuant::kQ4_0, BlockQuant::kQ4_1, BlockQuant::kQ5_0, BlockQuant::kQ5_1,
                               BlockQuant::kQ8_0, BlockQuant::kQ2_K, BlockQuant::kQ3_K, BlockQuant::kQ4_K,
                               BlockQuant::kQ5_K, BlockQuant::kQ6_K};

// Byte offsets of each format's f16 scale fields (random bytes there could be inf / nan).
std::vector<int> ScaleOffsets(BlockQuant q) {
  switch (q) {
    case BlockQuant::kQ4_1: case BlockQuant::kQ5_1: case BlockQuant::kQ4_K: case BlockQuant::kQ5_K: return {0, 2};
    case BlockQuant::kQ2_K: return {80, 82};
    case BlockQuant::kQ3_K: return {108};
    case BlockQuant::kQ6_K: return {208};
    default: return {0};
  }
}

OwnedMatrix RandomBlocks(BlockQuant q, int64_t rows, int64_t cols, std::mt19937& rng) {
  OwnedMatrix w;
  w.rows = rows;
  w.cols = cols;
  w.block = q;
  const int64_t nblocks = rows * cols / BlockElems(q);
  uint8_t* data = w.Own<uint8_t>(&WeightMatrix::data, nblocks * BlockBytes(q));
  for (int64_t i = 0; i < nblocks * BlockBytes(q); ++i) data[i] = static_cast<uint8_t>(rng());
  std::normal_distribution<float> scale(0.f, 0.05f);
  for (int64_t b = 0; b < nblocks; ++b)
    for (int off : ScaleOffsets(q)) {
      const uint16_t h = F32ToF16(scale(rng));
      std::memcpy(data + b * BlockBytes(q) + off, &h, 2);
    }
  return w;
}

std::vector<float> RandomFloats(size_t n, std::mt19937& rng, float lo = -1.f, float hi = 1.f) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

double RelErr(const std::vector<float>& got, const std::vector<double>& want) {
  double num = 0, den = 0;
  for (size_t i = 0; i < want.size(); ++i) num += (got[i] - want[i]) * (got[i] - want[i]), den += want[i] * want[i];
  EXPECT_GT(den, 0.0) << "reference is all zeros";
  return std::sqrt(num / den);
}

// ‖ours − ref‖ / ‖|W||x|‖ (outputs may cancel to near zero).
double MatMulErr(const WeightMatrix& w, const std::vector<float>& x, int64_t m, const std::vector<float>& y) {
  const std::vector<double> want = ref::MatMul(w, x, m), scale = ref::MatMulAbs(w, x, m);
  double num = 0, den = 0;
  for (size_t i = 0; i < want.size(); ++i) num += (y[i] - want[i]) * (y[i] - want[i]), den += scale[i] * scale[i];
  EXPECT_GT(den, 0.0);
  return std::sqrt(num / den);
}

class SimdTargets {
 public:
  SimdTargets() : saved_(cpu::ActiveSimdTarget()) {}
  ~SimdTargets() { cpu::SetSimdTarget(saved_); }

 private:
  cpu::SimdTarget saved_;
};

// Sets GGUF int8 activations for the test's duration and restores the setting after.
class GgufActivations {
 public:
  explicit GgufActivations(bool int8) : saved_(cpu::GgufInt8Activations()) { cpu::SetGgufInt8Activations(int8); }
  ~GgufActivations() { cpu::SetGgufInt8Activations(saved_); }

 private:
  bool saved_;
};

TEST(BlockQuantTest, RowDecoderMatchesReference) {
  std::mt19937 rng(1);
  for (BlockQuant q : kAll)
    for (int64_t nb : {1, 3}) {
      const int64_t cols = nb * BlockElems(q);
      OwnedMatrix w = RandomBlocks(q, 5, cols, rng);
      for (int64_t r = 0; r < w.rows; ++r) {
        std::vector<float> got(cols);
        cpu::LoadRow(w, r, got.data());
        const std::vector<double> want = ref::Row(w, r);
        // Both round to f32 once per product; the reference in double: equal to f32 rounding.
        EXPECT_LT(RelErr(got, want), 1e-6) << BlockQuantName(q) << " row " << r;
        bool any_nonzero = false;
        for (float v : got) any_nonzero |= v != 0.f;
        EXPECT_TRUE(any_nonzero);
      }
    }
}

// The f32-activation kernels (VLLM_CPP_GGUF_ACTIVATIONS=f32) against the exact reference.
TEST(BlockQuantTest, MatMulSweepEveryTarget) {
  SimdTargets saved;
  GgufActivations f32(false);
  ThreadPool pool(3);
  for (cpu::SimdTarget target : cpu::SupportedSimdTargets()) {
    cpu::SetSimdTarget(target);
    std::mt19937 rng(2);
    for (BlockQuant q : kAll)
      for (int64_t rows : {1, 7, 33})
        for (int64_t m : {1, 2, 3, 5, 9, 17}) {
          const int64_t cols = BlockElems(q) * (rows == 7 ? 3 : 1);
          OwnedMatrix w = RandomBlocks(q, rows, cols, rng);
          auto x = RandomFloats(m * cols, rng);
          std::vector<float> y(m * rows);
          cpu::MatMul(w, x.data(), m, y.data(), pool);
          EXPECT_LT(MatMulErr(w, x, m, y), 1e-6) << cpu::SimdTargetName(target) << " " << BlockQuantName(q)
                                                 << " rows=" << rows << " m=" << m;
        }
    // Decode shapes: long rows, several 16-row blocks per thread.
    for (BlockQuant q : {BlockQuant::kQ8_0, BlockQuant::kQ4_K, BlockQuant::kQ6_K, BlockQuant::kQ5_0})
      for (int64_t m : {1, 4, 16}) {
        OwnedMatrix w = RandomBlocks(q, 131, 2048, rng);
        auto x = RandomFloats(m * 2048, rng);
        std::vector<float> y(m * 131);
        cpu::MatMul(w, x.data(), m, y.data(), pool);
        EXPECT_LT(MatMulErr(w, x, m, y), 1e-6) << cpu::SimdTargetName(target) << " long " << BlockQuantName(q)
                                               << " m=" << m;
      }
  }
}

// x with a spread of magnitudes across blocks (and one all-zero block) so the per-32 scales differ.
std::vector<float> SpreadFloats(int64_t m, int64_t cols, std::mt19937& rng) {
  std::vector<float> x = RandomFloats(m * cols, rng);
  for (int64_t i = 0; i < m * cols; ++i) x[i] *= static_cast<float>(1 + (i / 32) % 7) * 0.3f;
  if (m * cols >= 64) std::fill(x.begin() + 32, x.begin() + 64, 0.f);
  return x;
}

// The SIMD activation quantizer against the scalar reference: same codes, same scales.
TEST(BlockQuantTest, GgufActivationQuantizerMatchesReference) {
  SimdTargets saved;
  int checked = 0;
  for (cpu::SimdTarget target : cpu::SupportedSimdTargets()) {
    if (!cpu::GgufInt8Target(target)) continue;
    cpu::SetSimdTarget(target);
    std::mt19937 rng(4);
    for (int64_t m : {1, 3})
      for (int64_t cols : {32, 96, 2048}) {
        std::vector<float> x = SpreadFloats(m, cols, rng);
        x[0] = 1e-30f;  // tiny values and exact halves (round to even) too
        if (cols >= 64) x[5] = 0.f;
        const ref::Q8Blocks want = ref::QuantizeQ8Blocks(x, m, cols);
        std::vector<int8_t> q(m * cols);
        std::vector<float> d(m * cols / 32), bsum(m * cols / 32);
        ASSERT_TRUE(cpu::QuantizeGgufActivations(x.data(), m, cols, q.data(), d.data(), bsum.data()));
        EXPECT_EQ(q, want.q) << cpu::SimdTargetName(target) << " m=" << m << " cols=" << cols;
        EXPECT_EQ(d, want.d) << cpu::SimdTargetName(target);
        EXPECT_EQ(bsum, want.bsum) << cpu::SimdTargetName(target);
        bool saturated = false;
        for (int8_t c : q) saturated |= c == 127 || c == -127;
        EXPECT_TRUE(saturated);  // every nonzero block's largest |x| maps to 127
        ++checked;
      }
  }
#if defined(__x86_64__)
  EXPECT_GT(checked, 0) << "no x86 SIMD target ran the quantizer";
#endif
}

// The int8-activation kernels (Q8_0, Q4_K) against the naive reference over the quantized x
// (dequantized weights times xhat = dx * qx, in double): the integer math is exact, so only f32
// rounding of the block sums remains. Against the true x the error must be that of int8
// activations — above 1e-5, or the f32 path ran instead — and below 2e-2.
TEST(BlockQuantTest, GgufInt8MatMulSweep) {
  SimdTargets saved;
  GgufActivations int8(true);
  ThreadPool pool(3);
  int checked = 0;
  for (cpu::SimdTarget target : cpu::SupportedSimdTargets()) {
    if (!cpu::GgufInt8Target(target)) continue;
    cpu::SetSimdTarget(target);
    std::mt19937 rng(5);
    for (BlockQuant q : {BlockQuant::kQ8_0, BlockQuant::kQ4_K})
      for (int64_t rows : {1, 7, 33, 131})
        for (int64_t nb : {1, 3, 8, 11})  // Q8_0: tails only, 8-block steps only, both
          for (int64_t m : {1, 2, 3, 4, 5, 9, 17}) {
            if (rows == 131 && m > 5) continue;  // the long case below covers long rows
            const int64_t cols = BlockElems(q) * nb;
            OwnedMatrix w = RandomBlocks(q, rows, cols, rng);
            const std::vector<float> x = SpreadFloats(m, cols, rng);
            std::vector<float> y(m * rows);
            cpu::MatMul(w, x.data(), m, y.data(), pool);
            const ref::Q8Blocks xq = ref::QuantizeQ8Blocks(x, m, cols);
            const std::string what = std::string(cpu::SimdTargetName(target)) + " " + std::string(BlockQuantName(q)) +
                                      " rows=" + std::to_string(rows) + " cols=" + std::to_string(cols) +
                                      " m=" + std::to_string(m);
            EXPECT_LT(MatMulErr(w, xq.xhat, m, y), 1e-6) << what;
            const double vs_x = MatMulErr(w, x, m, y);
            EXPECT_GT(vs_x, 1e-5) << what;
            EXPECT_LT(vs_x, 2e-2) << what;
            ++checked;
          }
    for (BlockQuant q : {BlockQuant::kQ8_0, BlockQuant::kQ4_K}) {  // long rows, decode shape
      OwnedMatrix w = RandomBlocks(q, 67, 4096, rng);
      const std::vector<float> x = SpreadFloats(1, 4096, rng);
      std::vector<float> y(67);
      cpu::MatMul(w, x.data(), 1, y.data(), pool);
      EXPECT_LT(MatMulErr(w, ref::QuantizeQ8Blocks(x, 1, 4096).xhat, 1, y), 1e-6)
          << cpu::SimdTargetName(target) << " long " << BlockQuantName(q);
    }
  }
#if defined(__x86_64__)
  EXPECT_GT(checked, 0) << "no x86 SIMD target ran the int8 kernels";
#endif
}

// Batch invariance of the int8 path: a token's outputs are the same bits whether it is alone
// (decode) or one of many rows (a prefill chunk, a decode batch; m across the 4-token tiles).
TEST(BlockQuantTest, GgufInt8RowsAreBatchInvariant) {
  SimdTargets saved;
  GgufActivations int8(true);
  ThreadPool pool(2);
  for (cpu::SimdTarget target : cpu::SupportedSimdTargets()) {
    if (!cpu::GgufInt8Target(target)) continue;
    cpu::SetSimdTarget(target);
    std::mt19937 rng(6);
    for (BlockQuant q : {BlockQuant::kQ8_0, BlockQuant::kQ4_K}) {
      const int64_t rows = 37, cols = 2 * BlockElems(q) * (q == BlockQuant::kQ8_0 ? 5 : 1);
      OwnedMatrix w = RandomBlocks(q, rows, cols, rng);
      for (int64_t m : {2, 5, 8, 9, 33}) {
        const std::vector<float> x = SpreadFloats(m, cols, rng);
        std::vector<float> y(m * rows), one(rows);
        cpu::MatMul(w, x.data(), m, y.data(), pool);
        for (int64_t t = 0; t < m; ++t) {
          cpu::MatMul(w, x.data() + t * cols, 1, one.data(), pool);
          for (int64_t r = 0; r < rows; ++r)
            ASSERT_EQ(y[t * rows + r], one[r]) << cpu::SimdTargetName(target) << " " << BlockQuantName(q)
                                               << " m=" << m << " token " << t << " row " << r;
        }
      }
    }
  }
}

TEST(BlockQuantTest, EmbeddingLookupDecodesOnlyGatheredRows) {
  std::mt19937 rng(3);
  OwnedMatrix w = RandomBlocks(BlockQuant::kQ6_K, 9, 512, rng);
  const std::vector<int32_t> ids = {8, 0, 8, 3};
  std::vector<float> out(ids.size() * 512);
  cpu::EmbeddingLookup(w, ids.data(), static_cast<int64_t>(ids.size()), out.data());
  for (size_t i = 0; i < ids.size(); ++i) {
    std::vector<float> got(out.begin() + i * 512, out.begin() + (i + 1) * 512);
    EXPECT_LT(RelErr(got, ref::Row(w, ids[i])), 1e-6) << "id " << ids[i];
  }
}

TEST(GemmaOpsTest, GeluTanhMul) {
  std::mt19937 rng(4);
  for (int64_t n : {1, 7, 64, 1001}) {
    auto g = RandomFloats(n, rng, -6.f, 6.f), u = RandomFloats(n, rng);
    std::vector<float> out(n);
    cpu::GeluTanhMul(g.data(), u.data(), n, out.data());
    EXPECT_LT(RelErr(out, ref::GeluTanhMul(g, u)), 1e-6) << n;
  }
}

// Sliding-window attention (gemma3 local layers) against the dense reference with the same
// window: windows smaller than, equal to and larger than a block, prompts longer than the
// window, decode and prefill chunks, every target.
TEST(GemmaOpsTest, SlidingWindowAttentionEveryTarget) {
  SimdTargets saved;
  ThreadPool pool(2);
  std::mt19937 rng(5);
  const int64_t H = 4, KVH = 1, D = 64, bs = 16, ctx = 300;
  const int64_t stride = KVH * D, blocks = (ctx + bs - 1) / bs;
  auto k = RandomFloats(ctx * stride, rng, -2.f, 2.f), v = RandomFloats(ctx * stride, rng);
  std::vector<float> kc(blocks * bs * stride), vc(kc.size());
  std::vector<int32_t> table(blocks);
  std::iota(table.begin(), table.end(), 0);
  std::shuffle(table.begin(), table.end(), rng);
  BatchInputs all;
  all.Begin(static_cast<int32_t>(blocks));
  all.AddSequence(std::vector<int32_t>(ctx, 0), 0, table, bs, false);
  const KvLayer cache{kc.data(), vc.data(), DType::kF32, bs};
  AttentionShape shape{.num_heads = H, .num_kv_heads = KVH, .head_dim = D, .block_size = bs,
                       .scale = 1.0f / std::sqrt(float(D))};
  cpu::WriteKvCache(k.data(), v.data(), all.View(), shape, cache);
  for (int64_t window : {1, 5, 16, 17, 100, 512})
    for (int32_t n : {1, 3, 40, 300}) {
      BatchInputs in;
      in.Begin(static_cast<int32_t>(blocks));
      in.AddSequence(std::vector<int32_t>(n, 0), ctx - n, table, bs, false);
      auto q = RandomFloats(n * H * D, rng, -2.f, 2.f);
      auto want = ref::Attention(q, k, v, in.positions, H, KVH, D, 1.0 / std::sqrt(double(D)), window);
      shape.sliding_window = window;
      for (cpu::SimdTarget target : cpu::SupportedSimdTargets()) {
        cpu::SetSimdTarget(target);
        std::vector<float> out(n * H * D);
        cpu::PagedAttention(q.data(), cache, in.View(), shape, out.data(), pool);
        EXPECT_LT(RelErr(out, want), 1e-5) << cpu::SimdTargetName(target) << " window=" << window << " n=" << n;
      }
    }
  // The window must matter: full attention differs from a 5-token window.
  BatchInputs in;
  in.Begin(static_cast<int32_t>(blocks));
  in.AddSequence(std::vector<int32_t>(1, 0), ctx - 1, table, bs, false);
  auto q = RandomFloats(H * D, rng);
  std::vector<double> full = ref::Attention(q, k, v, in.positions, H, KVH, D, 0.125, 0);
  std::vector<double> win = ref::Attention(q, k, v, in.positions, H, KVH, D, 0.125, 5);
  double diff = 0;
  for (size_t i = 0; i < full.size(); ++i) diff += std::abs(full[i] - win[i]);
  EXPECT_GT(diff, 1e-3);
}

}  // namespace
}  // namespace vllm
