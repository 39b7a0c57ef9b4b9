// Compiled with -Dvllm=vllm_legacy_ref (see ref_bridge.h): every vllm:: name below is the
// renamed copy that ref_ops.cc was built with.
#include "ref_bridge.h"

#include <cstring>

#include "kernels/ref/ref_ops.h"

namespace cuda_test::ref {
namespace {

vllm::DType Dt(int code) {
  return code == 0 ? vllm::DType::kF32 : code == 1 ? vllm::DType::kBF16 : vllm::DType::kF16;
}

vllm::AlignedBuffer Copy(const void* p, size_t n) {
  vllm::AlignedBuffer b(n);
  if (n) std::memcpy(b.data(), p, n);
  return b;
}

const vllm::WeightMatrix& W(void* impl) { return *static_cast<vllm::WeightMatrix*>(impl); }

}  // namespace

Matrix::Matrix(const MatrixDesc& d) {
  auto* w = new vllm::WeightMatrix;
  w->name = "cuda_test";
  w->rows = d.rows;
  w->cols = d.cols;
  w->quantized = d.quantized;
  w->dtype = Dt(d.dense_dtype);
  w->bits = d.bits;
  w->group_size = d.group_size;
  w->data = Copy(d.data, d.data_bytes);
  if (d.quantized) {
    w->scales = Copy(d.scales, d.param_bytes);
    w->biases = Copy(d.biases, d.param_bytes);
    w->scale_dtype = Dt(d.scale_dtype);
  }
  if (d.bias) w->bias = Copy(d.bias, static_cast<size_t>(d.rows) * 4);
  impl_ = w;
}

Matrix::~Matrix() { delete static_cast<vllm::WeightMatrix*>(impl_); }

std::vector<double> Matrix::Row(int64_t r) const { return vllm::ref::Row(W(impl_), r); }
std::vector<double> Matrix::MatMul(const std::vector<float>& x, int64_t m) const {
  return vllm::ref::MatMul(W(impl_), x, m);
}
std::vector<double> Matrix::MatMulAbs(const std::vector<float>& x, int64_t m) const {
  return vllm::ref::MatMulAbs(W(impl_), x, m);
}

std::vector<double> SiluMul(const std::vector<float>& gate, const std::vector<float>& up) {
  return vllm::ref::SiluMul(gate, up);
}
std::vector<double> RmsNorm(const std::vector<float>& x, const std::vector<float>& w, int64_t dim, double eps) {
  return vllm::ref::RmsNorm(x, w, dim, eps);
}
std::vector<double> Add(const std::vector<float>& x, const std::vector<float>& y) { return vllm::ref::Add(x, y); }
void AddRmsNorm(const std::vector<float>& x, const std::vector<float>& y, const std::vector<float>& w, int64_t dim,
                double eps, std::vector<double>* sum, std::vector<double>* out) {
  vllm::ref::AddRmsNormResult r = vllm::ref::AddRmsNorm(x, y, w, dim, eps);
  *sum = std::move(r.sum);
  *out = std::move(r.out);
}
std::vector<double> Rope(const std::vector<float>& x, const std::vector<int32_t>& positions, int64_t num_heads,
                         int64_t head_dim, const std::vector<float>& inv_freq) {
  return vllm::ref::Rope(x, positions, num_heads, head_dim, inv_freq);
}
std::vector<double> Attention(const std::vector<float>& q, const std::vector<float>& k, const std::vector<float>& v,
                              const std::vector<int32_t>& positions, int64_t num_heads, int64_t num_kv_heads,
                              int64_t head_dim, double scale) {
  return vllm::ref::Attention(q, k, v, positions, num_heads, num_kv_heads, head_dim, scale);
}

}  // namespace cuda_test::ref
