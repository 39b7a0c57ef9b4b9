// MatMul / MatMulShared against the double reference (kernels/ref), every
// stored format, sizes 1 / odd / tails / long, both paths (GEMV for decode rows, tensor cores
// for prompt rows; most runs here give m <= 8 rows as decode rows and larger m as prompt rows),
// and batch invariance: a row's bits do not depend on m or on the other rows.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "kernels/cuda/cuda_ops.h"
#include "test_data.h"
#include "util/half.h"

namespace cuda_test {
namespace {

using vllm::DType;

// One CUDA result to check: y [m, rows] for x [m, cols].
struct MatRun {
  const std::vector<float>* x;
  int64_t m;
  std::vector<float> y;
  int64_t decode_rows = -1;  // -1: all m rows when m <= 8, else none (DefaultDecodeRows)
};

int64_t DefaultDecodeRows(int64_t m) { return m <= 8 ? m : 0; }

// Prompt rows (t >= decode_rows) of affine or bf16 weights run on tensor cores.
bool UsesTensorCores(const HostMatrix& h, bool prompt_row) {
  return prompt_row && (h.quantized || (h.dtype == DType::kBF16 && h.cols % 32 == 0));
}

// The f32 paths: ||y - ref|| / || |W||x| || < 1e-6 (the CPU kernels' bound; the term scale,
// not the result, because outputs cancel towards zero). The tensor-core path rounds x to bf16:
// each output must lie within sum_k |s_g q_k| |x_k - bf16(x_k)| (+ 1e-5 of its term scale),
// and the largest error must reach a fair fraction of that bound, or the f32 path ran instead.
// Decodes each reference row once for all runs (the 151936-row lm_head stays fast).
void ExpectClose(const HostMatrix& h, const std::vector<MatRun>& runs, const std::string& label) {
  const vllm::WeightMatrix r = h.HostView();
  const int64_t gs = h.quantized ? h.group_size : h.cols;
  for (const MatRun& run : runs) {
    const int64_t decode = run.decode_rows < 0 ? DefaultDecodeRows(run.m) : run.decode_rows;
    double num = 0, den = 0, worst = 0, num_tc = 0, den_tc = 0;
    std::vector<float> xr(run.x->size());
    for (size_t i = 0; i < xr.size(); ++i) xr[i] = RoundTo(DType::kBF16, (*run.x)[i]);
    for (int64_t row = 0; row < h.rows; ++row) {
      const std::vector<double> w = ref::Row(r, row);
      for (int64_t t = 0; t < run.m; ++t) {
        const float* xt = run.x->data() + t * h.cols;
        const float* xrt = xr.data() + t * h.cols;
        const bool tc = UsesTensorCores(h, t >= decode);
        const double bias = h.bias.empty() ? 0.0 : h.bias[row];
        double want = bias, scale = std::abs(bias), bound = 0;
        for (int64_t k = 0; k < h.cols; ++k) {
          want += w[k] * xt[k];
          scale += std::abs(w[k] * xt[k]);
        }
        if (tc) {
          for (int64_t g = 0; g < h.cols / gs; ++g) {
            float s, b;
            h.GroupParams(row, g, &s, &b);
            for (int64_t k = g * gs; k < (g + 1) * gs; ++k)
              bound += std::abs(w[k] - b) * std::abs(static_cast<double>(xt[k]) - xrt[k]);
          }
        }
        const double got = run.y[t * h.rows + row], err = std::abs(got - want);
        ASSERT_FALSE(std::isnan(got)) << label << " m=" << run.m << " row " << row << " token " << t;
        if (tc) {
          const double limit = bound + 1e-5 * scale;
          ASSERT_LE(err, limit) << label << " m=" << run.m << " row " << row << " token " << t;
          worst = std::max(worst, err / limit);
          num_tc += 1;
        } else {
          num += err * err;
          den += scale * scale;
        }
      }
    }
    // The f32 rows: relative to the term scale. The bf16 rows: their largest error reaches a
    // fair fraction of the bound, or the f32 path ran instead.
    if (den > 0) EXPECT_LT(std::sqrt(num / den), 1e-6) << label << " m=" << run.m;
    if (num_tc >= 64) EXPECT_GT(worst, 2e-3) << label << " m=" << run.m << ": bf16 path not taken?";
    ASSERT_GT(den + num_tc + den_tc, 0.0) << label;
  }
}

std::vector<float> RunMatMul(const DeviceMatrix& dw, const std::vector<float>& x, int64_t m,
                             int64_t decode_rows = -1) {
  DeviceArray<float> dx(x), dy(static_cast<size_t>(m * dw.view().rows));
  vllm::cuda::MatMul(dw.view(), dx.get(), m, decode_rows < 0 ? DefaultDecodeRows(m) : decode_rows, dy.get(),
                     nullptr);
  return dy.ToHost();
}

std::string Name(const HostMatrix& h) {
  if (!h.quantized) return "dense " + std::string(vllm::DTypeName(h.dtype));
  return "bits=" + std::to_string(h.bits) + " gs=" + std::to_string(h.group_size) + " scales " +
         std::string(vllm::DTypeName(h.scale_dtype));
}

// Every bits x group x scale dtype; rows 1 / odd / over a block; m across both paths (and the
// GEMV's token tiles 1/2/4/8); a Linear bias on some.
TEST(CudaMatMul, AffineEveryFormat) {
  std::mt19937 rng(1);
  for (int bits : {2, 3, 4, 5, 6, 8})
    for (int gs : {32, 64, 128})
      for (DType sd : {DType::kF32, DType::kBF16, DType::kF16})
        for (int64_t rows : {1, 7, 67}) {
          const int64_t cols = gs * (bits % 2 ? 3 : 2);
          const HostMatrix h = RandomQuantized(rows, cols, bits, gs, sd, rng, rows == 7);
          const DeviceMatrix dw(h);
          std::vector<std::vector<float>> xs;
          std::vector<MatRun> runs;
          const std::vector<int64_t> ms = {1, 2, 3, 5, 8, 9, 17, 40};
          for (int64_t m : ms) xs.push_back(RandomFloats(m * cols, rng));
          for (size_t i = 0; i < ms.size(); ++i) runs.push_back({&xs[i], ms[i], RunMatMul(dw, xs[i], ms[i])});
          ExpectClose(h, runs, Name(h) + " rows=" + std::to_string(rows));
        }
}

// Long rows with partial 1024-column tiles (GEMV) and partial 128-column k-tiles (tensor
// cores), row counts that leave tails in every block shape.
TEST(CudaMatMul, AffineLongRowsAndTails) {
  std::mt19937 rng(2);
  for (int bits : {3, 4, 8})
    for (int64_t cols : {1216, 4160})
      for (int64_t rows : {130, 257}) {
        const HostMatrix h = RandomQuantized(rows, cols, bits, 64, DType::kBF16, rng);
        const DeviceMatrix dw(h);
        std::vector<std::vector<float>> xs;
        std::vector<MatRun> runs;
        const std::vector<int64_t> ms = {1, 4, 8, 16, 33, 100};
        for (int64_t m : ms) xs.push_back(RandomFloats(m * cols, rng));
        for (size_t i = 0; i < ms.size(); ++i) runs.push_back({&xs[i], ms[i], RunMatMul(dw, xs[i], ms[i])});
        ExpectClose(h, runs, Name(h) + " cols=" + std::to_string(cols) + " rows=" + std::to_string(rows));
      }
}

// Qwen3-0.6B's tied lm_head (151936 x 1024, 8-bit g64, bf16 scales): the longest grid.
TEST(CudaMatMul, LmHeadSized) {
  std::mt19937 rng(3);
  const HostMatrix h = RandomQuantized(151936, 1024, 8, 64, DType::kBF16, rng);
  const DeviceMatrix dw(h);
  const std::vector<float> x1 = RandomFloats(1024, rng), x9 = RandomFloats(9 * 1024, rng);
  ExpectClose(h, {{&x1, 1, RunMatMul(dw, x1, 1)}, {&x9, 9, RunMatMul(dw, x9, 9)}}, "lm_head");
}

TEST(CudaMatMul, DenseEveryDtype) {
  std::mt19937 rng(4);
  for (DType dt : {DType::kF32, DType::kBF16, DType::kF16})
    for (int64_t cols : {1, 7, 16, 33, 300, 1056})
      for (int64_t rows : {1, 5, 130}) {
        const HostMatrix h = RandomDense(rows, cols, dt, rng);
        const DeviceMatrix dw(h);
        std::vector<std::vector<float>> xs;
        std::vector<MatRun> runs;
        const std::vector<int64_t> ms = {1, 2, 5, 9, 20};
        for (int64_t m : ms) xs.push_back(RandomFloats(m * cols, rng));
        for (size_t i = 0; i < ms.size(); ++i) runs.push_back({&xs[i], ms[i], RunMatMul(dw, xs[i], ms[i])});
        ExpectClose(h, runs, Name(h) + " cols=" + std::to_string(cols) + " rows=" + std::to_string(rows));
      }
}

// q|k|v-like jobs in one call: the same format (one launch) and mixed formats (one per format).
TEST(CudaMatMul, SharedInput) {
  std::mt19937 rng(5);
  const int64_t cols = 256;
  std::vector<std::vector<HostMatrix>> sets(2);
  sets[0].push_back(RandomQuantized(64, cols, 8, 64, DType::kBF16, rng));
  sets[0].push_back(RandomQuantized(16, cols, 8, 64, DType::kBF16, rng, true));
  sets[0].push_back(RandomQuantized(16, cols, 8, 64, DType::kBF16, rng));
  sets[1].push_back(RandomQuantized(40, cols, 8, 64, DType::kF32, rng));
  sets[1].push_back(RandomQuantized(9, cols, 4, 32, DType::kF16, rng, true));
  sets[1].push_back(RandomDense(17, cols, DType::kBF16, rng));
  sets[1].push_back(RandomQuantized(5, cols, 3, 128, DType::kBF16, rng));
  for (auto& hs : sets)
    for (int64_t m : {1, 6, 19}) {
      std::vector<DeviceMatrix> dws;
      std::vector<DeviceArray<float>> ys;
      for (auto& h : hs) dws.emplace_back(h), ys.emplace_back(static_cast<size_t>(m * h.rows));
      std::vector<vllm::cuda::MatMulJob> jobs;
      for (size_t i = 0; i < hs.size(); ++i) jobs.push_back({&dws[i].view(), ys[i].get()});
      const std::vector<float> x = RandomFloats(m * cols, rng);
      DeviceArray<float> dx(x);
      vllm::cuda::MatMulShared(jobs.data(), static_cast<int>(jobs.size()), dx.get(), m, DefaultDecodeRows(m), nullptr);
      for (size_t i = 0; i < hs.size(); ++i)
        ExpectClose(hs[i], {{&x, m, ys[i].ToHost()}}, "job " + std::to_string(i) + " " + Name(hs[i]));
    }
}

// A token's GEMV result does not depend on the other tokens (m <= 8): bit for bit.
TEST(CudaMatMul, GemvTokenIndependentOfBatch) {
  std::mt19937 rng(6);
  const HostMatrix h = RandomQuantized(300, 2048, 4, 64, DType::kBF16, rng);
  const DeviceMatrix dw(h);
  const std::vector<float> x8 = RandomFloats(8 * 2048, rng);
  const std::vector<float> all = RunMatMul(dw, x8, 8);
  for (int64_t m : {1, 2, 3, 5}) {
    const std::vector<float> part(x8.begin(), x8.begin() + m * 2048);
    const std::vector<float> got = RunMatMul(dw, part, m);
    for (int64_t i = 0; i < m * 300; ++i) ASSERT_EQ(got[i], all[i]) << "m=" << m << " i=" << i;
  }
}

// Batch invariance across both classes: in one call of m = 45 rows (decode rows first, then
// prompt rows), every decode row equals the same x row computed alone as a decode row, and
// every prompt row equals it computed alone as a prompt row (a 1-row tensor-core launch), bit
// for bit; decode rows past 8 (several GEMV tiles) and prompt rows of every count; checked
// against the reference too. Affine 4/8-bit and dense bf16 (both tensor-core formats), dense
// f16 (GEMV for both classes).
TEST(CudaMatMul, RowsIndependentOfBatchInBothClasses) {
  std::mt19937 rng(8);
  std::vector<HostMatrix> hs;
  hs.push_back(RandomQuantized(200, 1024, 4, 64, DType::kBF16, rng, true));
  hs.push_back(RandomQuantized(67, 512, 8, 32, DType::kF16, rng));
  hs.push_back(RandomDense(96, 256, DType::kBF16, rng));
  hs.push_back(RandomDense(33, 96, DType::kF16, rng));
  for (const HostMatrix& h : hs) {
    const DeviceMatrix dw(h);
    const int64_t m = 45, cols = h.cols, rows = h.rows;
    const std::vector<float> x = RandomFloats(m * cols, rng);
    for (int64_t decode : {int64_t{0}, int64_t{1}, int64_t{13}, int64_t{45}}) {
      const std::vector<float> all = RunMatMul(dw, x, m, decode);
      ExpectClose(h, {{&x, m, all, decode}}, Name(h) + " decode=" + std::to_string(decode));
      for (int64_t t : {int64_t{0}, decode - 1, decode, int64_t{20}, m - 1}) {
        if (t < 0 || t >= m) continue;
        const std::vector<float> xt(x.begin() + t * cols, x.begin() + (t + 1) * cols);
        const std::vector<float> alone = RunMatMul(dw, xt, 1, t < decode ? 1 : 0);
        for (int64_t r = 0; r < rows; ++r)
          ASSERT_EQ(alone[r], all[t * rows + r]) << Name(h) << " decode=" << decode << " row " << t << " out " << r;
      }
    }
  }
}

TEST(CudaMatMul, NoTokensIsANoOp) {
  std::mt19937 rng(7);
  const DeviceMatrix dw(RandomQuantized(64, 128, 4, 64, DType::kBF16, rng));
  DeviceArray<float> y(std::vector<float>{7.f});
  vllm::cuda::MatMul(dw.view(), nullptr, 0, 0, y.get(), nullptr);
  EXPECT_EQ(y.ToHost()[0], 7.f);
}

}  // namespace
}  // namespace cuda_test
