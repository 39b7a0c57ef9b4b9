// Test fixtures for the CUDA kernels: device arrays, random host weights in every stored format
// with their device views, and the error measures of the CPU kernel tests.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "kernels/cuda/cuda_check.h"
#include "kernels/weight_matrix.h"
#include "kernels/ref/ref_ops.h"

namespace cuda_test {

namespace ref = vllm::ref;

// Owned device memory of n T's. Poisoned with 0xFF bytes (NaN for floats) on creation, so an
// element a kernel forgot to write shows.
template <class T>
class DeviceArray {
 public:
  DeviceArray() = default;
  explicit DeviceArray(size_t n) : n_(n) {
    if (n_) {
      CUDA_CHECK(cudaMalloc(&p_, n_ * sizeof(T)));
      CUDA_CHECK(cudaMemset(p_, 0xFF, n_ * sizeof(T)));
    }
  }
  explicit DeviceArray(const std::vector<T>& v) : DeviceArray(v.size()) { Upload(v); }
  DeviceArray(DeviceArray&& o) noexcept : p_(o.p_), n_(o.n_) { o.p_ = nullptr, o.n_ = 0; }
  DeviceArray& operator=(DeviceArray&& o) noexcept {
    std::swap(p_, o.p_);
    std::swap(n_, o.n_);
    return *this;
  }
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;
  ~DeviceArray() {
    if (p_) CUDA_CHECK(cudaFree(p_));
  }
  void Upload(const std::vector<T>& v) {
    if (!v.empty()) CUDA_CHECK(cudaMemcpy(p_, v.data(), v.size() * sizeof(T), cudaMemcpyHostToDevice));
  }
  void Poison() {
    if (n_) CUDA_CHECK(cudaMemset(p_, 0xFF, n_ * sizeof(T)));
  }
  std::vector<T> ToHost() const {
    std::vector<T> v(n_);
    CUDA_CHECK(cudaDeviceSynchronize());
    if (n_) CUDA_CHECK(cudaMemcpy(v.data(), p_, n_ * sizeof(T), cudaMemcpyDeviceToHost));
    return v;
  }
  T* get() const { return p_; }
  size_t size() const { return n_; }

 private:
  T* p_ = nullptr;
  size_t n_ = 0;
};

std::vector<float> RandomFloats(size_t n, std::mt19937& rng, float lo = -1.f, float hi = 1.f);

// A weight matrix in host memory in one of the stored formats (kernels/weight_matrix.h).
struct HostMatrix {
  int64_t rows = 0, cols = 0;
  bool quantized = false;
  vllm::DType dtype = vllm::DType::kF32;  // dense
  int bits = 0, group_size = 0;
  vllm::DType scale_dtype = vllm::DType::kF32;
  std::vector<uint8_t> data, scales, biases;
  std::vector<float> bias;  // empty or [rows]

  // A WeightMatrix view over these host bytes (what kernels/ref reads).
  vllm::WeightMatrix HostView() const;
  // Row r's group scale and bias (affine) as f32; 0, 0 for dense.
  void GroupParams(int64_t r, int64_t g, float* s, float* b) const;
  size_t StoredBytes() const { return data.size() + scales.size() + biases.size() + bias.size() * 4; }
};

// Affine: random codes, scales of both signs in [-0.1, 0.1], biases in [-1, 1] (as MLX makes).
HostMatrix RandomQuantized(int64_t rows, int64_t cols, int bits, int group_size, vllm::DType scale_dtype,
                           std::mt19937& rng, bool with_bias = false);
HostMatrix RandomDense(int64_t rows, int64_t cols, vllm::DType dtype, std::mt19937& rng);

// The matrix copied to the device, and its WeightMatrix view over the device copy.
class DeviceMatrix {
 public:
  explicit DeviceMatrix(const HostMatrix& h);
  const vllm::WeightMatrix& view() const { return view_; }

 private:
  DeviceArray<uint8_t> data_, scales_, biases_;
  DeviceArray<float> bias_;
  vllm::WeightMatrix view_;
};

// ||got - want|| / ||want||; fails the test if want is all zeros (it would prove nothing).
double RelErr(const std::vector<float>& got, const std::vector<double>& want);
// bf16 / f16 round trip of one value (util/half.h).
float RoundTo(vllm::DType dt, float x);

}  // namespace cuda_test
