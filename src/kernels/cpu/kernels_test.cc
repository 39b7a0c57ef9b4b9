// CPU kernels against the naive references in kernels/ref/, sweeping sizes: 1, odd,
// tails, larger than a block. Errors are relative (‖ours − ref‖ / ‖ref‖) and no input is
// all zeros.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/cpu_ops.h"
#include "kernels/owned_matrix.h"
#include "kernels/ref/ref_ops.h"
#include "runner/batch_inputs.h"
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

// Matmul error against the magnitude of the terms (‖ours − ref‖ / ‖|W||x|‖): a plain
// relative error is meaningless for outputs that cancel to near zero.
double MatMulErr(const WeightMatrix& w, const std::vector<float>& x, int64_t m, const std::vector<float>& y) {
  std::vector<double> want = ref::MatMul(w, x, m), scale = ref::MatMulAbs(w, x, m);
  double num = 0, den = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    num += (y[i] - want[i]) * (y[i] - want[i]);
    den += scale[i] * scale[i];
  }
  EXPECT_GT(den, 0.0);
  return std::sqrt(num / den);
}

// The avx512vnni target runs the tile GEMM of affine weights (m > 8, or any m for the bit
// widths without a fused kernel: 2/3/5/6) on 16-bit activations
// (matmul_vnni_impl.h): x is rounded per token and group to dx = max|x_group| / 32767, so each
// output may differ from the exact sum by at most sum_k |s_g q_k| * dx_g / 2, plus f32 rounding.
// avx512vnni-int8 rounds x to dx = max|x_group| / 127 for 8-bit weights and 4-bit weights with
// groups of a multiple of 64, at every m (matmul_int8_impl.h), and is avx512vnni otherwise.
// The bias term uses the unrounded x in both. Everywhere else the kernels are f32 and the
// relative bound is 1e-6.
void ExpectMatMulClose(cpu::SimdTarget target, const WeightMatrix& w, const std::vector<float>& x, int64_t m,
                       const std::vector<float>& y, const std::string& label) {
  const bool tile = m > 8 || (w.bits != 4 && w.bits != 8);
  const bool int8 = target == cpu::SimdTarget::kAvx512VnniInt8 && w.quantized &&
                    (w.bits == 8 || (w.bits == 4 && w.group_size % 64 == 0));
  const bool int16 = !int8 && target >= cpu::SimdTarget::kAvx512Vnni && w.quantized && tile;
  if (!int8 && !int16) {
    EXPECT_LT(MatMulErr(w, x, m, y), 1e-6) << label;
    return;
  }
  const double levels = int8 ? 127 : 32767;
  const std::vector<double> want = ref::MatMul(w, x, m), scale = ref::MatMulAbs(w, x, m);
  const int64_t G = w.groups_per_row(), gs = w.group_size;
  std::vector<float> s(G), b(G);
  double worst = 0;  // largest error as a fraction of its bound: proves the bound is not slack
  for (int64_t r = 0; r < w.rows; ++r) {
    const std::vector<double> row = ref::Row(w, r);
    cpu::GroupParams(w, r, s.data(), b.data());
    for (int64_t t = 0; t < m; ++t) {
      double bound = 0;
      for (int64_t g = 0; g < G; ++g) {
        double amax = 0, sq = 0;  // sum_k |s_g q_k| = sum_k |w_k - b_g|
        for (int64_t k = g * gs; k < (g + 1) * gs; ++k)
          amax = std::max(amax, std::abs(static_cast<double>(x[t * w.cols + k]))), sq += std::abs(row[k] - b[g]);
        bound += sq * amax / levels / 2;
      }
      const size_t i = t * w.rows + r;
      const double err = std::abs(y[i] - want[i]), limit = bound + 1e-6 * scale[i];
      ASSERT_LE(err, limit) << label << " row " << r << " token " << t;
      worst = std::max(worst, err / limit);
    }
  }
  // Rounding errors of ~rows*m independent sums stay well below the worst-case bound but not
  // far below it; a result of exactly the f32 path would come out near 0 here.
  if (int8 && w.rows * m >= 64) {
    EXPECT_GT(worst, 1e-3) << label << ": int8 path not taken?";
  }
}

std::vector<float> RandomFloats(size_t n, std::mt19937& rng, float lo = -1.f, float hi = 1.f) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

OwnedMatrix RandomQuantized(int64_t rows, int64_t cols, int bits, int gs, std::mt19937& rng, bool bias) {
  OwnedMatrix w;
  w.rows = rows;
  w.cols = cols;
  w.quantized = true;
  w.bits = bits;
  w.group_size = gs;
  uint32_t* codes = w.Own<uint32_t>(&WeightMatrix::data, rows * w.words_per_row() * 4);
  for (int64_t i = 0; i < rows * w.words_per_row(); ++i) codes[i] = rng();
  const int64_t groups = rows * w.groups_per_row();
  // Scales of both signs, as MLX produces (negative when |max| >= |min|).
  auto s = RandomFloats(groups, rng, -0.1f, 0.1f), b = RandomFloats(groups, rng);
  // Group params in every stored dtype, cycling with the shape so sweeps cover all three.
  w.scale_dtype = std::array{DType::kF32, DType::kBF16, DType::kF16}[(rows + cols / gs + bits) % 3];
  const size_t esz = DTypeSize(w.scale_dtype);
  std::byte* sc = w.Own<std::byte>(&WeightMatrix::scales, groups * esz);
  std::byte* bi = w.Own<std::byte>(&WeightMatrix::biases, groups * esz);
  for (int64_t i = 0; i < groups; ++i) {
    if (w.scale_dtype == DType::kF32) {
      reinterpret_cast<float*>(sc)[i] = s[i], reinterpret_cast<float*>(bi)[i] = b[i];
    } else if (w.scale_dtype == DType::kBF16) {
      reinterpret_cast<uint16_t*>(sc)[i] = F32ToBf16(s[i]), reinterpret_cast<uint16_t*>(bi)[i] = F32ToBf16(b[i]);
    } else {
      reinterpret_cast<uint16_t*>(sc)[i] = F32ToF16(s[i]), reinterpret_cast<uint16_t*>(bi)[i] = F32ToF16(b[i]);
    }
  }
  if (bias) {
    auto bv = RandomFloats(rows, rng);
    std::copy(bv.begin(), bv.end(), w.Own<float>(&WeightMatrix::bias, rows * 4));
  }
  return w;
}

OwnedMatrix RandomDense(int64_t rows, int64_t cols, DType dt, std::mt19937& rng) {
  OwnedMatrix w;
  w.rows = rows;
  w.cols = cols;
  w.dtype = dt;
  std::byte* data = w.Own<std::byte>(&WeightMatrix::data, rows * cols * DTypeSize(dt));
  auto v = RandomFloats(rows * cols, rng);
  for (int64_t i = 0; i < rows * cols; ++i) {
    if (dt == DType::kF32) reinterpret_cast<float*>(data)[i] = v[i];
    else if (dt == DType::kBF16) reinterpret_cast<uint16_t*>(data)[i] = F32ToBf16(v[i]);
    else reinterpret_cast<uint16_t*>(data)[i] = F32ToF16(v[i]);
  }
  return w;
}

// The CUDA tests' bf16-operand oracle: x that bf16 holds exactly gives ref::MatMul's result,
// other x moves it (by less than the rounding bound), and dense f32 W is plain MatMul.
TEST(RefOps, MatMulBf16OperandsRoundsOnlyX) {
  std::mt19937 rng(41);
  const int64_t m = 3, cols = 128;
  OwnedMatrix q = RandomQuantized(5, cols, 4, 32, rng, true), d = RandomDense(5, cols, DType::kF32, rng);
  std::vector<float> x(m * cols), xb(m * cols);
  std::normal_distribution<float> nd(0.f, 1.f);
  for (size_t i = 0; i < x.size(); ++i) x[i] = nd(rng), xb[i] = Bf16ToF32(F32ToBf16(x[i]));
  const std::vector<double> exact = ref::MatMul(q, xb, m), emul = ref::MatMulBf16Operands(q, xb, m);
  for (size_t i = 0; i < exact.size(); ++i) EXPECT_NEAR(emul[i], exact[i], 1e-9 * (1 + std::abs(exact[i])));
  const std::vector<double> moved = ref::MatMulBf16Operands(q, x, m), plain = ref::MatMul(q, x, m);
  const std::vector<double> scale = ref::MatMulAbs(q, x, m);
  double most = 0;
  for (size_t i = 0; i < moved.size(); ++i) {
    most = std::max(most, std::abs(moved[i] - plain[i]));
    EXPECT_LE(std::abs(moved[i] - plain[i]), scale[i] * (1.0 / 256));  // bf16: 8 significant bits
  }
  EXPECT_GT(most, 0.0) << "x was not rounded";
  const std::vector<double> dense = ref::MatMulBf16Operands(d, x, m), dense_plain = ref::MatMul(d, x, m);
  for (size_t i = 0; i < dense.size(); ++i) EXPECT_EQ(dense[i], dense_plain[i]);
}

TEST(KernelsTest, DequantizeEveryBitWidthAndGroupSize) {
  std::mt19937 rng(1);
  for (int bits : {2, 3, 4, 5, 6, 8})
    for (int gs : {32, 64, 128})
      for (int64_t cols : {int64_t{gs}, int64_t{3 * gs}}) {
        OwnedMatrix w = RandomQuantized(3, cols, bits, gs, rng, false);
        std::vector<float> row(cols);
        for (int64_t r = 0; r < w.rows; ++r) {
          cpu::LoadRow(w, r, row.data());
          std::vector<double> want = ref::Row(w, r);
          for (int64_t j = 0; j < cols; ++j)
            ASSERT_NEAR(row[j], want[j], 1e-6 * (1 + std::abs(want[j])))
                << "bits=" << bits << " gs=" << gs << " r=" << r << " j=" << j;
        }
      }
}

// Every SIMD target this CPU supports runs the same sweep (dispatch.h); the scalar one always.
class SimdTargets {
 public:
  SimdTargets() : saved_(cpu::ActiveSimdTarget()) {}
  ~SimdTargets() { cpu::SetSimdTarget(saved_); }
  std::vector<cpu::SimdTarget> All() const { return cpu::SupportedSimdTargets(); }

 private:
  cpu::SimdTarget saved_;
};

// The sweeps below cover only what SupportedSimdTargets() lists, so a target that silently
// dropped out of it would pass untested. On AArch64 (make test-neon runs this file under
// qemu) neon must be listed and be the default; elsewhere it must not be offered.
TEST(KernelsTest, NeonTargetIsSupportedExactlyOnAarch64) {
  const std::vector<cpu::SimdTarget> all = cpu::SupportedSimdTargets();
  const bool listed = std::find(all.begin(), all.end(), cpu::SimdTarget::kNeon) != all.end();
  cpu::SimdTarget parsed;
  ASSERT_TRUE(cpu::ParseSimdTarget("neon", &parsed));
  EXPECT_EQ(parsed, cpu::SimdTarget::kNeon);
#if defined(__aarch64__)
  EXPECT_TRUE(listed);
  if (!std::getenv("VLLM_CPP_SIMD")) {
    EXPECT_EQ(cpu::ActiveSimdTarget(), cpu::SimdTarget::kNeon);
  }
#else
  EXPECT_FALSE(listed);
#endif
}

// m crosses the fused/tile switch of every target (fused up to 4 or 8 tokens), rows cross the
// 16-row dequant block and the 2/4-row register tiles with odd tails.
TEST(KernelsTest, QuantizedMatMulSweepEveryTarget) {
  SimdTargets targets;
  ThreadPool pool(3);
  for (cpu::SimdTarget target : targets.All()) {
    cpu::SetSimdTarget(target);
    std::mt19937 rng(2);
    for (int bits : {2, 3, 4, 5, 6, 8})
      for (int gs : {32, 64, 128})
        for (int64_t rows : {1, 7, 33})
          for (int64_t m : {1, 2, 3, 5, 9, 17}) {
            const int64_t cols = gs * (bits % 2 ? 3 : 2);
            OwnedMatrix w = RandomQuantized(rows, cols, bits, gs, rng, rows == 7);
            auto x = RandomFloats(m * cols, rng);
            std::vector<float> y(m * rows);
            cpu::MatMul(w, x.data(), m, y.data(), pool);
            ExpectMatMulClose(target, w, x, m, y,
                              std::string(cpu::SimdTargetName(target)) + " bits=" + std::to_string(bits) +
                                  " gs=" + std::to_string(gs) + " rows=" + std::to_string(rows) +
                                  " m=" + std::to_string(m));
          }
    // Long rows and many rows (several 16-row blocks per thread), the decode shapes.
    for (int bits : {4, 8})
      for (int64_t m : {1, 4, 8, 16}) {
        OwnedMatrix w = RandomQuantized(131, 2048, bits, 64, rng, false);
        auto x = RandomFloats(m * 2048, rng);
        std::vector<float> y(m * 131);
        cpu::MatMul(w, x.data(), m, y.data(), pool);
        ExpectMatMulClose(target, w, x, m, y,
                          std::string(cpu::SimdTargetName(target)) + " long bits=" + std::to_string(bits) +
                              " m=" + std::to_string(m));
      }
  }
}

// q/k/v-like jobs of different row counts and formats over one x, one pass.
TEST(KernelsTest, SharedInputMatMulEveryTarget) {
  SimdTargets targets;
  ThreadPool pool(3);
  for (cpu::SimdTarget target : targets.All()) {
    cpu::SetSimdTarget(target);
    std::mt19937 rng(8);
    for (int64_t m : {1, 6, 19}) {
      const int64_t cols = 256;
      std::vector<OwnedMatrix> ws;
      ws.push_back(RandomQuantized(40, cols, 8, 64, rng, false));
      ws.push_back(RandomQuantized(9, cols, 4, 32, rng, true));
      ws.push_back(RandomDense(17, cols, DType::kBF16, rng));
      ws.push_back(RandomQuantized(5, cols, 3, 128, rng, false));
      auto x = RandomFloats(m * cols, rng);
      std::vector<std::vector<float>> ys;
      std::vector<MatMulJob> jobs;
      for (auto& w : ws) ys.emplace_back(m * w.rows);
      for (size_t i = 0; i < ws.size(); ++i) jobs.push_back({&ws[i], ys[i].data()});
      cpu::MatMulShared(jobs.data(), static_cast<int>(jobs.size()), x.data(), m, pool);
      for (size_t i = 0; i < ws.size(); ++i)
        ExpectMatMulClose(target, ws[i], x, m, ys[i],
                          std::string(cpu::SimdTargetName(target)) + " job " + std::to_string(i) +
                              " m=" + std::to_string(m));
    }
  }
}

// A step where no row samples calls the lm head with m = 0: nothing to do, nothing touched.
TEST(KernelsTest, MatMulWithNoTokensIsANoOp) {
  SimdTargets targets;
  ThreadPool pool(2);
  std::mt19937 rng(10);
  OwnedMatrix w = RandomQuantized(64, 128, 4, 64, rng, false);
  for (cpu::SimdTarget target : targets.All()) {
    cpu::SetSimdTarget(target);
    float y = 7.f;
    cpu::MatMul(w, nullptr, 0, &y, pool);
    EXPECT_EQ(y, 7.f) << cpu::SimdTargetName(target);
  }
}

TEST(KernelsTest, DenseMatMulSweepEveryTarget) {
  SimdTargets targets;
  ThreadPool pool(2);
  for (cpu::SimdTarget target : targets.All()) {
    cpu::SetSimdTarget(target);
    std::mt19937 rng(3);
    for (DType dt : {DType::kF32, DType::kBF16, DType::kF16})
      for (int64_t cols : {1, 7, 16, 33, 300})
        for (int64_t rows : {1, 5, 130})
          for (int64_t m : {1, 2, 5, 9}) {
            OwnedMatrix w = RandomDense(rows, cols, dt, rng);
            auto x = RandomFloats(m * cols, rng);
            std::vector<float> y(m * rows);
            cpu::MatMul(w, x.data(), m, y.data(), pool);
            EXPECT_LT(MatMulErr(w, x, m, y), 1e-6) << cpu::SimdTargetName(target) << " " << DTypeName(dt)
                                                   << " cols=" << cols << " rows=" << rows << " m=" << m;
          }
  }
}

TEST(KernelsTest, EmbeddingLookupGathersRows) {
  std::mt19937 rng(4);
  OwnedMatrix w = RandomQuantized(50, 64, 4, 32, rng, false);
  std::vector<int32_t> ids = {0, 49, 7, 7};
  std::vector<float> out(ids.size() * 64);
  cpu::EmbeddingLookup(w, ids.data(), ids.size(), out.data());
  for (size_t i = 0; i < ids.size(); ++i) {
    std::vector<double> want = ref::Row(w, ids[i]);
    std::vector<float> got(out.begin() + i * 64, out.begin() + (i + 1) * 64);
    EXPECT_LT(RelErr(got, want), 1e-6);
  }
}

// Lengths around the vector widths; gates from -100 (exp(-g) overflows a float) to 30.
TEST(KernelsTest, SiluMulEveryTarget) {
  SimdTargets targets;
  std::mt19937 rng(11);
  for (int64_t n : {1, 7, 8, 15, 16, 17, 33, 1000}) {
    auto gate = RandomFloats(n, rng, -100.f, 30.f), up = RandomFloats(n, rng);
    gate[0] = -100.f;
    const auto want = ref::SiluMul(gate, up);
    for (cpu::SimdTarget target : targets.All()) {
      cpu::SetSimdTarget(target);
      std::vector<float> out(n);
      cpu::SiluMul(gate.data(), up.data(), n, out.data());
      for (int64_t i = 0; i < n; ++i)
        ASSERT_NEAR(out[i], want[i], 1e-6 * (std::abs(want[i]) + 1e-3)) << cpu::SimdTargetName(target) << " n=" << n << " i=" << i;
    }
  }
}

// Row lengths for the row-wise ops: 1, below one vector, one vector (8 or 16), odd lengths
// that leave a scalar tail on every width (7, 17, 33, 100, 129), and long rows that run the
// four-chain sum of squares (4096; 4133 = 4096 + 32 + 5 also runs the single-vector loop).
constexpr int64_t kRowDims[] = {1, 2, 7, 8, 16, 17, 33, 100, 129, 4096, 4133};

TEST(KernelsTest, RmsNormEveryTarget) {
  SimdTargets targets;
  std::mt19937 rng(5);
  for (int64_t dim : kRowDims) {
    const int64_t rows = 3;
    const auto x = RandomFloats(rows * dim, rng), w = RandomFloats(dim, rng, 0.5f, 1.5f);
    const auto want = ref::RmsNorm(x, w, dim, 1e-6);
    for (cpu::SimdTarget target : targets.All()) {
      cpu::SetSimdTarget(target);
      std::vector<float> y(x.size());
      cpu::RmsNorm(x.data(), w.data(), rows, dim, 1e-6f, y.data());
      EXPECT_LT(RelErr(y, want), 1e-6) << cpu::SimdTargetName(target) << " dim=" << dim;
      std::vector<float> in_place = x;
      cpu::RmsNorm(in_place.data(), w.data(), rows, dim, 1e-6f, in_place.data());
      EXPECT_EQ(in_place, y) << cpu::SimdTargetName(target) << " dim=" << dim << " in place";
    }
  }
}

// The fused op against the double reference, and bit for bit against the two ops it replaces
// in the model (so fusing them there changes no output).
TEST(KernelsTest, AddRmsNormEveryTarget) {
  SimdTargets targets;
  std::mt19937 rng(6);
  for (int64_t dim : kRowDims) {
    const int64_t rows = 3;
    const auto x = RandomFloats(rows * dim, rng), res = RandomFloats(rows * dim, rng);
    const auto w = RandomFloats(dim, rng, 0.5f, 1.5f);
    const ref::AddRmsNormResult want = ref::AddRmsNorm(x, res, w, dim, 1e-6);
    for (cpu::SimdTarget target : targets.All()) {
      cpu::SetSimdTarget(target);
      const std::string label = std::string(cpu::SimdTargetName(target)) + " dim=" + std::to_string(dim);
      std::vector<float> sum = x, out(x.size());
      cpu::AddRmsNorm(sum.data(), res.data(), w.data(), rows, dim, 1e-6f, out.data());
      EXPECT_LT(RelErr(sum, want.sum), 1e-6) << label;
      EXPECT_LT(RelErr(out, want.out), 1e-6) << label;
      std::vector<float> sum2 = x, out2(x.size());
      cpu::AddInPlace(sum2.data(), res.data(), rows * dim);
      cpu::RmsNorm(sum2.data(), w.data(), rows, dim, 1e-6f, out2.data());
      EXPECT_EQ(sum, sum2) << label;
      EXPECT_EQ(out, out2) << label;
    }
  }
}

TEST(KernelsTest, AddInPlaceEveryTarget) {
  SimdTargets targets;
  std::mt19937 rng(7);
  for (int64_t n : {1, 7, 8, 15, 16, 17, 33, 100, 4096, 4133}) {
    const auto x = RandomFloats(n, rng), y = RandomFloats(n, rng);
    const auto want = ref::Add(x, y);
    for (cpu::SimdTarget target : targets.All()) {
      cpu::SetSimdTarget(target);
      std::vector<float> got = x;
      cpu::AddInPlace(got.data(), y.data(), n);
      EXPECT_LT(RelErr(got, want), 1e-6) << cpu::SimdTargetName(target) << " n=" << n;
    }
  }
}

// head_dim / 2 below a vector (1, 4, 7), at a vector (8, 16), with a tail (31, 33, 100) and a
// model's (64, 128). Angles are f32 (as in MLX): at position 4095 an angle is off by
// ~4095 * 2^-24 rad, hence the 1e-4 bound against the double reference. Every target
// computes the same f32 angles with std::cos/std::sin, so the SIMD targets also match the
// scalar path to 1e-6, which catches a wrong lane or tail that 1e-4 might not.
TEST(KernelsTest, ApplyRopeEveryTarget) {
  SimdTargets targets;
  std::mt19937 rng(8);
  const std::vector<int32_t> pos = {0, 1, 17, 4095};
  const int64_t tokens = static_cast<int64_t>(pos.size()), heads = 3;
  for (int64_t head_dim : {2, 8, 14, 16, 32, 62, 66, 128, 200, 256}) {
    const auto q = RandomFloats(tokens * heads * head_dim, rng);
    const auto inv = RandomFloats(head_dim / 2, rng, 0.f, 1.f);
    const auto want = ref::Rope(q, pos, heads, head_dim, inv);
    cpu::SetSimdTarget(cpu::SimdTarget::kScalar);
    std::vector<float> scalar = q;
    cpu::ApplyRope(scalar.data(), pos.data(), tokens, heads, head_dim, inv.data());
    for (cpu::SimdTarget target : targets.All()) {
      cpu::SetSimdTarget(target);
      std::vector<float> got = q;
      cpu::ApplyRope(got.data(), pos.data(), tokens, heads, head_dim, inv.data());
      const std::string label = std::string(cpu::SimdTargetName(target)) + " head_dim=" + std::to_string(head_dim);
      EXPECT_LT(RelErr(got, want), 1e-4) << label;
      EXPECT_LT(RelErr(got, std::vector<double>(scalar.begin(), scalar.end())), 1e-6) << label;
    }
  }
}

float RoundTo(DType dt, float x) {
  if (dt == DType::kBF16) return Bf16ToF32(F32ToBf16(x));
  if (dt == DType::kF16) return F16ToF32(F32ToF16(x));
  return x;
}

// Mixed batch: sequence 0 prefills a chunk after a cached prefix, sequence 1 decodes one
// token, sequence 2 prefills from scratch; blocks are shuffled so the table matters. Every
// cache dtype; the reference sees K/V rounded to that dtype, so the bound stays tight.
TEST(KernelsTest, PagedAttentionMatchesDenseReference) {
  SimdTargets targets;
  std::mt19937 rng(6);
  ThreadPool pool(2);
  for (DType dt : {DType::kF32, DType::kBF16, DType::kF16})
    for (int64_t bs : {1, 5, 16})
      for (int64_t D : {8, 64, 128})
        for (auto [H, KVH] : {std::pair<int64_t, int64_t>{4, 2}, {3, 3}, {8, 1}}) {
          const std::vector<int32_t> ctx = {23, 41, 9};  // context after this step
          const std::vector<int32_t> fresh = {7, 1, 9};  // tokens computed this step
          const int64_t stride = KVH * D;
          int64_t total_blocks = 0;
          std::vector<int64_t> nblocks;
          for (int32_t c : ctx) nblocks.push_back((c + bs - 1) / bs), total_blocks += nblocks.back();
          std::vector<int32_t> perm(total_blocks);
          std::iota(perm.begin(), perm.end(), 0);
          std::shuffle(perm.begin(), perm.end(), rng);
          BatchInputs in, prefix;  // this step, and the earlier steps that cached the prefixes
          const int32_t stride_blocks = static_cast<int32_t>(*std::max_element(nblocks.begin(), nblocks.end()));
          in.Begin(stride_blocks);
          prefix.Begin(stride_blocks);
          std::vector<uint8_t> kc(total_blocks * bs * stride * DTypeSize(dt)), vc(kc.size());
          const KvLayer cache{kc.data(), vc.data(), dt, bs};
          std::vector<std::vector<float>> dense_k(3), dense_v(3);
          std::vector<float> new_k, new_v, old_k, old_v;
          int64_t next = 0;
          for (int s = 0; s < 3; ++s) {
            dense_k[s] = RandomFloats(ctx[s] * stride, rng);
            dense_v[s] = RandomFloats(ctx[s] * stride, rng);
            std::vector<int32_t> table(nblocks[s]);
            for (int64_t b = 0; b < nblocks[s]; ++b) table[b] = perm[next++];
            const int32_t cached = ctx[s] - fresh[s];
            prefix.AddSequence(std::vector<int32_t>(cached, 0), 0, table, bs, false);
            in.AddSequence(std::vector<int32_t>(fresh[s], 0), cached, table, bs, false);
            for (int32_t p = 0; p < ctx[s]; ++p) {
              auto& tk = p < cached ? old_k : new_k;
              auto& tv = p < cached ? old_v : new_v;
              tk.insert(tk.end(), dense_k[s].begin() + p * stride, dense_k[s].begin() + (p + 1) * stride);
              tv.insert(tv.end(), dense_v[s].begin() + p * stride, dense_v[s].begin() + (p + 1) * stride);
            }
            for (auto& x : dense_k[s]) x = RoundTo(dt, x);
            for (auto& x : dense_v[s]) x = RoundTo(dt, x);
          }
          const int64_t T = in.num_tokens();
          auto q = RandomFloats(T * H * D, rng);
          const AttentionShape shape{.num_heads = H, .num_kv_heads = KVH, .head_dim = D,
                                     .block_size = bs, .scale = 1.0f / std::sqrt(float(D))};
          cpu::WriteKvCache(old_k.data(), old_v.data(), prefix.View(), shape, cache);
          cpu::WriteKvCache(new_k.data(), new_v.data(), in.View(), shape, cache);
          for (cpu::SimdTarget target : targets.All()) {
            cpu::SetSimdTarget(target);
            std::vector<float> out(T * H * D);
            cpu::PagedAttention(q.data(), cache, in.View(), shape, out.data(), pool);
            for (int s = 0; s < 3; ++s) {
              const int64_t q0 = in.query_start[s], n = fresh[s];
              std::vector<float> qs(q.begin() + q0 * H * D, q.begin() + (q0 + n) * H * D);
              std::vector<int32_t> pos(in.positions.begin() + q0, in.positions.begin() + q0 + n);
              auto want = ref::Attention(qs, dense_k[s], dense_v[s], pos, H, KVH, D, 1.0 / std::sqrt(double(D)));
              std::vector<float> got(out.begin() + q0 * H * D, out.begin() + (q0 + n) * H * D);
              EXPECT_LT(RelErr(got, want), 1e-5) << cpu::SimdTargetName(target) << " " << DTypeName(dt)
                                                 << " bs=" << bs << " D=" << D << " H=" << H << " seq=" << s;
            }
          }
        }
}

// Long contexts (many blocks, online-softmax rescaling across them) with peaked scores, so
// a wrong max or a stale rescale shows; every target against the double reference.
TEST(KernelsTest, PagedAttentionLongContextEveryTarget) {
  SimdTargets targets;
  ThreadPool pool(2);
  std::mt19937 rng(9);
  const int64_t H = 8, KVH = 2, D = 128, bs = 16, ctx = 1000;
  const int64_t stride = KVH * D, blocks = (ctx + bs - 1) / bs;
  auto k = RandomFloats(ctx * stride, rng, -3.f, 3.f), v = RandomFloats(ctx * stride, rng);
  std::vector<float> kc(blocks * bs * stride), vc(kc.size());
  std::vector<int32_t> table(blocks);
  std::iota(table.begin(), table.end(), 0);
  std::shuffle(table.begin(), table.end(), rng);
  BatchInputs in, all;
  all.Begin(static_cast<int32_t>(blocks));
  all.AddSequence(std::vector<int32_t>(ctx, 0), 0, table, bs, false);
  const AttentionShape shape{.num_heads = H, .num_kv_heads = KVH, .head_dim = D, .block_size = bs,
                             .scale = 1.0f / std::sqrt(float(D))};
  const KvLayer cache{kc.data(), vc.data(), DType::kF32, bs};
  cpu::WriteKvCache(k.data(), v.data(), all.View(), shape, cache);
  // Decode one token at the last position, plus a 3-token chunk ending there.
  for (int32_t n : {1, 3}) {
    in.Begin(static_cast<int32_t>(blocks));
    in.AddSequence(std::vector<int32_t>(n, 0), ctx - n, table, bs, false);
    auto q = RandomFloats(n * H * D, rng, -2.f, 2.f);
    auto want = ref::Attention(q, k, v, in.positions, H, KVH, D, 1.0 / std::sqrt(double(D)));
    for (cpu::SimdTarget target : targets.All()) {
      cpu::SetSimdTarget(target);
      std::vector<float> out(n * H * D);
      cpu::PagedAttention(q.data(), cache, in.View(), shape, out.data(), pool);
      EXPECT_LT(RelErr(out, want), 1e-5) << cpu::SimdTargetName(target) << " n=" << n;
    }
  }
}

}  // namespace
}  // namespace vllm
