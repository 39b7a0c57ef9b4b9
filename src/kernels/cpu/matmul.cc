// Matmul entry point and its portable scalar path. cpu::MatMul dispatches to the SIMD
// instantiations (matmul_impl.h) for the active target (dispatch.h). The scalar path: each
// thread owns a contiguous range of output rows, so every weight byte is read once per call;
// rows are widened / dequantized in blocks of kRowBlock into a thread-local f32 tile that is
// then reused for every token.
#include <algorithm>
#include <vector>

#include "kernels/cpu/block_dequant.h"
#include "kernels/cpu/dequant.h"
#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/matmul_targets.h"
#include "kernels/cpu/cpu_ops.h"
#include "util/check.h"
#include "util/half.h"

namespace vllm::cpu {

namespace {

constexpr int64_t kRowBlock = 4;

// 16 independent accumulators let the compiler vectorise without -ffast-math.
inline float Dot(const float* a, const float* b, int64_t n) {
  float acc[16] = {};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int k = 0; k < 16; ++k) acc[k] += a[i + k] * b[i + k];
  float tail = 0.f;
  for (; i < n; ++i) tail += a[i] * b[i];
  float s = 0.f;
  for (int k = 0; k < 16; ++k) s += acc[k];
  return s + tail;
}

}  // namespace

void GroupParams(const WeightMatrix& w, int64_t r, float* scales, float* biases) {
  const int64_t G = w.groups_per_row(), off = r * G;
  switch (w.scale_dtype) {
    case DType::kF32:
      for (int64_t g = 0; g < G; ++g)
        scales[g] = w.scales.data<float>()[off + g], biases[g] = w.biases.data<float>()[off + g];
      return;
    case DType::kBF16:
      for (int64_t g = 0; g < G; ++g)
        scales[g] = Bf16ToF32(w.scales.data<uint16_t>()[off + g]),
        biases[g] = Bf16ToF32(w.biases.data<uint16_t>()[off + g]);
      return;
    case DType::kF16:
      for (int64_t g = 0; g < G; ++g)
        scales[g] = F16ToF32(w.scales.data<uint16_t>()[off + g]),
        biases[g] = F16ToF32(w.biases.data<uint16_t>()[off + g]);
      return;
    default:
      CHECK(false) << "the loader admits only f32, bf16 and f16 group params";
  }
}

void LoadRow(const WeightMatrix& w, int64_t r, float* out) {
  const int64_t cols = w.cols;
  if (w.block_quantized()) return DequantBlockRow(w.block, w.data.data<uint8_t>() + r * w.RowBytes(), cols, out);
  if (!w.quantized) {
    switch (w.dtype) {
      case DType::kF32: {
        const float* src = w.data.data<float>() + r * cols;
        std::copy(src, src + cols, out);
        return;
      }
      case DType::kBF16: {
        const uint16_t* src = w.data.data<uint16_t>() + r * cols;
        for (int64_t i = 0; i < cols; ++i) out[i] = Bf16ToF32(src[i]);
        return;
      }
      case DType::kF16: {
        const uint16_t* src = w.data.data<uint16_t>() + r * cols;
        for (int64_t i = 0; i < cols; ++i) out[i] = F16ToF32(src[i]);
        return;
      }
      default:
        CHECK(false) << "unsupported dense dtype " << DTypeName(w.dtype);
    }
  }
  const uint32_t* words = w.data.data<uint32_t>() + r * w.words_per_row();
  thread_local std::vector<float> params;
  params.resize(2 * w.groups_per_row());
  float* s = params.data();
  float* b = s + w.groups_per_row();
  GroupParams(w, r, s, b);
  switch (w.bits) {
    case 2: DequantRowT<2>(words, s, b, cols, w.group_size, out); return;
    case 3: DequantRowT<3>(words, s, b, cols, w.group_size, out); return;
    case 4: DequantRowT<4>(words, s, b, cols, w.group_size, out); return;
    case 5: DequantRowT<5>(words, s, b, cols, w.group_size, out); return;
    case 6: DequantRowT<6>(words, s, b, cols, w.group_size, out); return;
    case 8: DequantRowT<8>(words, s, b, cols, w.group_size, out); return;
    default: CHECK(false) << "unsupported bits " << w.bits << " (" << w.rows << "x" << w.cols << " matrix)";
  }
}

void MatMulGrouped(const GroupedMatMulJob* jobs, int n, ThreadPool& pool) {
  switch (ActiveSimdTarget()) {
#if defined(__x86_64__)
    case SimdTarget::kAvx512VnniInt8: return MatMulGroupedAvx512VnniInt8(jobs, n, pool);
    case SimdTarget::kAvx512Vnni: return MatMulGroupedAvx512Vnni(jobs, n, pool);
    case SimdTarget::kAvx512: return MatMulGroupedAvx512(jobs, n, pool);
    case SimdTarget::kAvx2: return MatMulGroupedAvx2(jobs, n, pool);
#endif
#if defined(__aarch64__)
    case SimdTarget::kNeon: return MatMulGroupedNeon(jobs, n, pool);
#endif
    default:
      for (int i = 0; i < n; ++i)
        if (jobs[i].m > 0) MatMulScalar(*jobs[i].w, jobs[i].x, jobs[i].m, jobs[i].y, pool);
  }
}

bool QuantizeGgufActivations(const float* x, int64_t m, int64_t cols, int8_t* q, float* d, float* bsum) {
  switch (ActiveSimdTarget()) {
#if defined(__x86_64__)
    case SimdTarget::kAvx512VnniInt8:
    case SimdTarget::kAvx512Vnni:
    case SimdTarget::kAvx512: QuantizeGgufActivationsAvx512(x, m, cols, q, d, bsum); return true;
    case SimdTarget::kAvx2: QuantizeGgufActivationsAvx2(x, m, cols, q, d, bsum); return true;
#endif
    default: return false;
  }
}

void MatMulShared(const MatMulJob* jobs, int n, const float* x, int64_t m, ThreadPool& pool) {
  for (int i = 1; i < n; ++i)
    CHECK_EQ(jobs[i].w->cols, jobs[0].w->cols) << "MatMulShared job " << i;
  thread_local std::vector<GroupedMatMulJob> grouped;
  grouped.clear();
  for (int i = 0; i < n; ++i) grouped.push_back({jobs[i].w, x, m, jobs[i].y});
  MatMulGrouped(grouped.data(), n, pool);
}

void MatMul(const WeightMatrix& w, const float* x, int64_t m, float* y, ThreadPool& pool) {
  const MatMulJob job{&w, y};
  MatMulShared(&job, 1, x, m, pool);
}

void MatMulScalar(const WeightMatrix& w, const float* x, int64_t m, float* y, ThreadPool& pool) {
  const int64_t rows = w.rows, cols = w.cols;
  const float* bias = w.has_bias() ? w.bias.data<float>() : nullptr;
  // Small problems are not worth waking the pool.
  const size_t grain = static_cast<size_t>(std::max<int64_t>(kRowBlock, 65536 / std::max<int64_t>(cols * m, 1)));
  pool.ParallelFor(static_cast<size_t>(rows), grain, [&](size_t begin, size_t end) {
    thread_local std::vector<float> tile;
    if (tile.size() < static_cast<size_t>(kRowBlock * cols)) tile.resize(kRowBlock * cols);
    for (int64_t r0 = static_cast<int64_t>(begin); r0 < static_cast<int64_t>(end); r0 += kRowBlock) {
      const int64_t nr = std::min<int64_t>(kRowBlock, static_cast<int64_t>(end) - r0);
      for (int64_t j = 0; j < nr; ++j) LoadRow(w, r0 + j, tile.data() + j * cols);
      for (int64_t t = 0; t < m; ++t) {
        const float* xt = x + t * cols;
        float* yt = y + t * rows;
        for (int64_t j = 0; j < nr; ++j)
          yt[r0 + j] = Dot(tile.data() + j * cols, xt, cols) + (bias ? bias[r0 + j] : 0.f);
      }
    }
  });
}

void EmbeddingLookup(const WeightMatrix& w, const int32_t* ids, int64_t n, float* out) {
  for (int64_t i = 0; i < n; ++i) {
    CHECK(ids[i] >= 0 && ids[i] < w.rows) << "token id " << ids[i] << " outside vocab " << w.rows;
    LoadRow(w, ids[i], out + i * w.cols);
  }
}

}  // namespace vllm::cpu
