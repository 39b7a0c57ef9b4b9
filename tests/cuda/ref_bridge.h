// The double-precision references of src/kernels/ref, reached through plain types. ref_ops.h
// speaks the old owning WeightMatrix (model/weight_matrix.h), which cannot share a translation
// unit (or, safely, a binary) with the view type of kernels/weight_matrix.h that the CUDA
// kernels take; ref_bridge.cc and ref_ops.cc are compiled with their namespace renamed
// (tests/cuda/CMakeLists.txt). Nothing here names a vllm type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cuda_test::ref {

// A weight matrix in host memory, as raw bytes (layouts of kernels/weight_matrix.h).
struct MatrixDesc {
  int64_t rows = 0, cols = 0;
  bool quantized = false;
  int dense_dtype = 0;  // 0 f32, 1 bf16, 2 f16
  int bits = 0, group_size = 0;
  int scale_dtype = 0;  // 0 f32, 1 bf16, 2 f16
  const void* data = nullptr;
  size_t data_bytes = 0;
  const void* scales = nullptr;
  const void* biases = nullptr;
  size_t param_bytes = 0;  // of scales (and of biases)
  const float* bias = nullptr;  // [rows] or null
};

// A WeightMatrix of the reference's type built once from the description.
class Matrix {
 public:
  explicit Matrix(const MatrixDesc& d);
  ~Matrix();
  Matrix(const Matrix&) = delete;
  Matrix& operator=(const Matrix&) = delete;
  std::vector<double> Row(int64_t r) const;
  std::vector<double> MatMul(const std::vector<float>& x, int64_t m) const;
  std::vector<double> MatMulAbs(const std::vector<float>& x, int64_t m) const;

 private:
  void* impl_;
};

std::vector<double> SiluMul(const std::vector<float>& gate, const std::vector<float>& up);
std::vector<double> RmsNorm(const std::vector<float>& x, const std::vector<float>& w, int64_t dim, double eps);
std::vector<double> Add(const std::vector<float>& x, const std::vector<float>& y);
void AddRmsNorm(const std::vector<float>& x, const std::vector<float>& y, const std::vector<float>& w,
                int64_t dim, double eps, std::vector<double>* sum, std::vector<double>* out);
std::vector<double> Rope(const std::vector<float>& x, const std::vector<int32_t>& positions, int64_t num_heads,
                         int64_t head_dim, const std::vector<float>& inv_freq);
std::vector<double> Attention(const std::vector<float>& q, const std::vector<float>& k,
                              const std::vector<float>& v, const std::vector<int32_t>& positions,
                              int64_t num_heads, int64_t num_kv_heads, int64_t head_dim, double scale);

}  // namespace cuda_test::ref
