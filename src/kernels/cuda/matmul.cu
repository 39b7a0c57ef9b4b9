// MatMul / MatMulShared entry points: argument checks, packing WeightMatrix views into device
// job descriptors, and the path choice (matmul_launch.h): the GEMV over 8-row tiles for
// decode rows, tensor cores for prompt rows (affine and bf16 weights; the GEMV tiles for
// dense f16/f32).
#include <algorithm>
#include <cstdint>

#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/dtype_code.h"
#include "kernels/cuda/matmul_launch.h"
#include "util/check.h"

namespace vllm::cuda {
namespace {

using internal::WeightFormat;

WeightFormat FormatOf(const WeightMatrix& w) {
  if (w.quantized) {
    CHECK(w.bits == 2 || w.bits == 3 || w.bits == 4 || w.bits == 5 || w.bits == 6 || w.bits == 8)
        << "affine bits " << w.bits;
    return static_cast<WeightFormat>(w.bits);
  }
  switch (w.dtype) {
    case DType::kF32: return WeightFormat::kDenseF32;
    case DType::kBF16: return WeightFormat::kDenseBf16;
    case DType::kF16: return WeightFormat::kDenseF16;
    default: CHECK(false) << "unsupported dense weight dtype " << DTypeName(w.dtype);
  }
  return WeightFormat::kDenseF32;
}

bool Aligned(const void* p, size_t a) { return reinterpret_cast<uintptr_t>(p) % a == 0; }

MatJob ToJob(const WeightMatrix& w, float* y) {
  MatJob j{};
  j.data = w.data.data<unsigned char>();
  j.bias = w.has_bias() ? w.bias.data<float>() : nullptr;
  j.y = y;
  j.row_bytes = static_cast<int64_t>(w.RowBytes());
  j.rows = static_cast<int>(w.rows);
  j.group_chunks = 1;
  if (w.quantized) {
    CHECK(w.group_size == 32 || w.group_size == 64 || w.group_size == 128) << "group size " << w.group_size;
    CHECK_EQ(w.cols % w.group_size, 0);
    // Rows of 2/6-bit codes are 8-byte multiples, 3/5-bit 4-byte: the base must allow the
    // widest loads LoadWords uses for the format.
    const size_t align = w.bits % 4 == 0 ? 16 : w.bits % 2 == 0 ? 8 : 4;
    CHECK(Aligned(j.data, align)) << "affine weights must be " << align << "-byte aligned";
    j.scales = w.scales.ptr;
    j.biases = w.biases.ptr;
    j.groups = static_cast<int>(w.groups_per_row());
    j.group_chunks = w.group_size / 32;
    j.param_dtype = internal::FloatDtypeCode(w.scale_dtype);
  }
  return j;
}

// Rows [begin, end) of x through the GEMV (one launch; 8-token tiles along its grid).
void GemvRows(WeightFormat f, const MatJobs& pack, const float* x, int64_t begin, int64_t end, int64_t cols,
              bool w_vec, bool x_vec, Stream stream) {
  if (begin == end) return;
  MatJobs part = pack;
  for (int i = 0; i < part.num_jobs; ++i) part.job[i].y += begin * part.job[i].rows;
  internal::LaunchGemv(f, part, x + begin * cols, static_cast<int>(end - begin), static_cast<int>(cols), w_vec,
                       x_vec, stream);
}

}  // namespace

void MatMulShared(const MatMulJob* jobs, int n, const float* x, int64_t m, int64_t decode_rows, Stream stream) {
  if (m == 0 || n == 0) return;
  CHECK(decode_rows >= 0 && decode_rows <= m) << decode_rows << " decode rows of " << m;
  CHECK(n >= 1 && n <= kMaxSharedJobs) << n << " jobs";
  const int64_t cols = jobs[0].w->cols;
  for (int i = 1; i < n; ++i) CHECK_EQ(jobs[i].w->cols, cols);
  CHECK(m < (int64_t{1} << 31) / std::max<int64_t>(cols, 1)) << "x too large for int indexing";
  const bool x_vec = Aligned(x, 16) && cols % 4 == 0;
  // One launch per distinct format (q|k|v and gate|up share one in every checkpoint).
  bool done[kMaxSharedJobs] = {};
  for (int first = 0; first < n; ++first) {
    if (done[first]) continue;
    const WeightFormat f = FormatOf(*jobs[first].w);
    MatJobs pack{};
    bool w_vec = true;
    for (int i = first; i < n; ++i) {
      if (done[i] || FormatOf(*jobs[i].w) != f) continue;
      done[i] = true;
      const MatJob j = ToJob(*jobs[i].w, jobs[i].y);
      w_vec = w_vec && Aligned(j.data, 16) && j.row_bytes % 16 == 0;
      pack.job[pack.num_jobs++] = j;
    }
    const bool affine = static_cast<int>(f) <= 8;
    const bool mma = affine || (f == WeightFormat::kDenseBf16 && w_vec && cols % 32 == 0);
    GemvRows(f, pack, x, 0, decode_rows, cols, w_vec || affine, x_vec, stream);
    if (decode_rows == m) continue;
    if (mma) {
      MatJobs prompt = pack;
      for (int i = 0; i < prompt.num_jobs; ++i) prompt.job[i].y += decode_rows * prompt.job[i].rows;
      internal::LaunchMma(f, prompt, x + decode_rows * cols, static_cast<int>(m - decode_rows),
                          static_cast<int>(cols), x_vec, stream);
    } else {
      // Dense f16/f32 have no exact bf16 tensor-core form: the GEMV tiles for prompt rows too.
      GemvRows(f, pack, x, decode_rows, m, cols, w_vec, x_vec, stream);
    }
  }
}

void MatMul(const WeightMatrix& w, const float* x, int64_t m, int64_t decode_rows, float* y, Stream stream) {
  const MatMulJob job{&w, y};
  MatMulShared(&job, 1, x, m, decode_rows, stream);
}

}  // namespace vllm::cuda
