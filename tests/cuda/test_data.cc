#include "test_data.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "util/half.h"

namespace cuda_test {
namespace {

uint16_t To16(vllm::DType t, float v) { return t == vllm::DType::kBF16 ? vllm::F32ToBf16(v) : vllm::F32ToF16(v); }
float From16(vllm::DType t, uint16_t h) { return t == vllm::DType::kBF16 ? vllm::Bf16ToF32(h) : vllm::F16ToF32(h); }

// Floats stored as dtype (f32, or bf16/f16 rounded to nearest even).
std::vector<uint8_t> Store(const std::vector<float>& v, vllm::DType t) {
  std::vector<uint8_t> out(v.size() * vllm::DTypeSize(t));
  for (size_t i = 0; i < v.size(); ++i) {
    if (t == vllm::DType::kF32) {
      std::memcpy(out.data() + 4 * i, &v[i], 4);
    } else {
      const uint16_t h = To16(t, v[i]);
      std::memcpy(out.data() + 2 * i, &h, 2);
    }
  }
  return out;
}

}  // namespace

std::vector<float> RandomFloats(size_t n, std::mt19937& rng, float lo, float hi) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

vllm::WeightMatrix HostMatrix::HostView() const {
  auto bytes = [](const auto& v) {
    return vllm::BufferView{reinterpret_cast<const std::byte*>(v.data()), v.size() * sizeof(v[0])};
  };
  return vllm::WeightMatrix{.rows = rows, .cols = cols, .quantized = quantized, .dtype = dtype, .bits = bits,
                            .group_size = group_size, .data = bytes(data), .scales = bytes(scales),
                            .biases = bytes(biases), .scale_dtype = scale_dtype, .bias = bytes(bias)};
}

void HostMatrix::GroupParams(int64_t r, int64_t g, float* s, float* b) const {
  if (!quantized) {
    *s = *b = 0.f;
    return;
  }
  const int64_t i = r * (cols / group_size) + g;
  if (scale_dtype == vllm::DType::kF32) {
    std::memcpy(s, scales.data() + 4 * i, 4);
    std::memcpy(b, biases.data() + 4 * i, 4);
  } else {
    uint16_t hs, hb;
    std::memcpy(&hs, scales.data() + 2 * i, 2);
    std::memcpy(&hb, biases.data() + 2 * i, 2);
    *s = From16(scale_dtype, hs);
    *b = From16(scale_dtype, hb);
  }
}

HostMatrix RandomQuantized(int64_t rows, int64_t cols, int bits, int group_size, vllm::DType scale_dtype,
                           std::mt19937& rng, bool with_bias) {
  HostMatrix w;
  w.rows = rows;
  w.cols = cols;
  w.quantized = true;
  w.bits = bits;
  w.group_size = group_size;
  w.scale_dtype = scale_dtype;
  w.data.resize(static_cast<size_t>(rows * cols * bits / 8));
  for (auto& b : w.data) b = static_cast<uint8_t>(rng());
  const size_t groups = static_cast<size_t>(rows * (cols / group_size));
  w.scales = Store(RandomFloats(groups, rng, -0.1f, 0.1f), scale_dtype);
  w.biases = Store(RandomFloats(groups, rng), scale_dtype);
  if (with_bias) w.bias = RandomFloats(rows, rng);
  return w;
}

HostMatrix RandomDense(int64_t rows, int64_t cols, vllm::DType dtype, std::mt19937& rng) {
  HostMatrix w;
  w.rows = rows;
  w.cols = cols;
  w.dtype = dtype;
  w.data = Store(RandomFloats(static_cast<size_t>(rows * cols), rng), dtype);
  return w;
}

DeviceMatrix::DeviceMatrix(const HostMatrix& h)
    : data_(h.data), scales_(h.scales), biases_(h.biases), bias_(h.bias) {
  view_.rows = h.rows;
  view_.cols = h.cols;
  view_.quantized = h.quantized;
  view_.dtype = h.dtype;
  view_.bits = h.bits;
  view_.group_size = h.group_size;
  view_.scale_dtype = h.scale_dtype;
  auto bytes = [](const auto& a, size_t elem) {
    return vllm::BufferView{reinterpret_cast<const std::byte*>(a.get()), a.size() * elem};
  };
  view_.data = bytes(data_, 1);
  view_.scales = bytes(scales_, 1);
  view_.biases = bytes(biases_, 1);
  view_.bias = bytes(bias_, 4);
}

double RelErr(const std::vector<float>& got, const std::vector<double>& want) {
  double num = 0, den = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    const double d = got[i] - want[i];
    num += d * d;
    den += want[i] * want[i];
  }
  EXPECT_GT(den, 0.0) << "reference is all zeros: the test would prove nothing";
  EXPECT_EQ(got.size(), want.size());
  return std::isnan(num) ? INFINITY : std::sqrt(num / den);
}

float RoundTo(vllm::DType dt, float x) {
  if (dt == vllm::DType::kBF16) return vllm::Bf16ToF32(vllm::F32ToBf16(x));
  if (dt == vllm::DType::kF16) return vllm::F16ToF32(vllm::F32ToF16(x));
  return x;
}

}  // namespace cuda_test
