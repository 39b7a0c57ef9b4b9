#include "model/dummy_weights.h"

#include <cmath>
#include <functional>

#include "util/half.h"

namespace vllm {

namespace {

uint64_t SplitMix(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

float Uniform(uint64_t& s) {  // [-1, 1)
  return static_cast<float>(SplitMix(s) >> 40) * (2.0f / 16777216.0f) - 1.0f;
}

// A counted matrix: views with the right sizes over a non-null base that is never read (Rows()
// offsets into them; an offset from a null pointer would be undefined behaviour).
WeightMatrix NoData(WeightMatrix w) {
  static const std::byte kBase[16] = {};
  const size_t data = w.quantized ? static_cast<size_t>(w.rows * w.words_per_row()) * 4
                                  : static_cast<size_t>(w.rows * w.cols) * DTypeSize(w.dtype);
  w.data = BufferView{kBase, data};
  if (w.quantized) {
    const size_t g = static_cast<size_t>(w.rows * w.groups_per_row()) * DTypeSize(w.scale_dtype);
    w.scales = BufferView{kBase, g};
    w.biases = BufferView{kBase, g};
  }
  return w;
}

}  // namespace

Result<const float*> DummyWeightFactory::Vector(const std::string&, int64_t n, float value) {
  static const float kNothing = 0.0f;
  if (!Allocates(static_cast<size_t>(n) * sizeof(float))) return &kNothing;
  DeviceBuffer b = DeviceBuffer::Host(static_cast<size_t>(n) * sizeof(float));
  for (int64_t i = 0; i < n; ++i) b.data<float>()[i] = value;
  return arena_.Add(std::move(b)).data<float>();
}

Result<const float*> DummyWeightFactory::FloatTensor(const std::string& name,
                                                     const std::vector<std::vector<int64_t>>& shapes,
                                                     FloatInit init) {
  int64_t n = 1;
  for (int64_t d : shapes.at(0)) n *= d;
  static const float kNothing = 0.0f;
  if (!Allocates(static_cast<size_t>(n) * sizeof(float))) return &kNothing;
  uint64_t state = seed_ ^ std::hash<std::string>{}(name);
  DeviceBuffer b = DeviceBuffer::Host(static_cast<size_t>(n) * sizeof(float));
  for (int64_t i = 0; i < n; ++i) {
    const float u = init.lo + (init.hi - init.lo) * 0.5f * (Uniform(state) + 1.0f);  // [lo, hi)
    float v = u;
    switch (init.kind) {
      case FloatInit::Kind::kConstant: v = init.lo; break;
      case FloatInit::Kind::kUniform: break;
      case FloatInit::Kind::kLogUniform: v = std::log(u); break;
      case FloatInit::Kind::kSoftplusInverseUniform: v = u + std::log(-std::expm1(-u)); break;
    }
    b.data<float>()[i] = v;
  }
  return arena_.Add(std::move(b)).data<float>();
}

BufferView DummyWeightFactory::Constant16(int64_t n, uint16_t bits) {
  DeviceBuffer b = DeviceBuffer::Host(static_cast<size_t>(n) * sizeof(uint16_t));
  for (int64_t i = 0; i < n; ++i) b.data<uint16_t>()[i] = bits;
  return arena_.Add(std::move(b));
}

Result<WeightMatrix> DummyWeightFactory::Matrix(const std::string& path, int64_t rows, int64_t cols,
                                                bool bias, MatrixInit init) {
  uint64_t state = seed_ ^ std::hash<std::string>{}(path);
  const float a = init == MatrixInit::kEmbedding ? 1.0f : std::sqrt(3.0f / static_cast<float>(cols));
  WeightMatrix w;
  w.rows = rows;
  w.cols = cols;
  std::optional<QuantParams> q = config_.quantization.ForModule(path);
  if (init == MatrixInit::kFloat) q.reset();
  if (q && cols % q->group_size == 0) {
    w.quantized = true;
    w.bits = q->bits;
    w.group_size = q->group_size;
    w.scale_dtype = DType::kBF16;  // bf16 group params, as MLX stores them for bf16 models
    const int64_t words = rows * w.words_per_row(), groups = rows * w.groups_per_row();
    if (!Allocates(static_cast<size_t>(words * 4 + groups * 4))) return NoData(w);
    DeviceBuffer data = DeviceBuffer::Host(words * sizeof(uint32_t));
    uint32_t* codes = data.data<uint32_t>();
    for (int64_t i = 0; i < words; ++i) codes[i] = static_cast<uint32_t>(SplitMix(state));
    w.data = arena_.Add(std::move(data));
    // Uniform codes in [0, 2^bits - 1] mapped onto [-a, a].
    w.scales = Constant16(groups, F32ToBf16(2.0f * a / static_cast<float>((1 << w.bits) - 1)));
    w.biases = Constant16(groups, F32ToBf16(-a));
  } else {
    const bool f32 = config_.torch_dtype == "float32";
    const bool f16 = config_.torch_dtype == "float16";
    w.dtype = f32 ? DType::kF32 : (f16 ? DType::kF16 : DType::kBF16);
    const int64_t n = rows * cols;
    if (!Allocates(static_cast<size_t>(n) * DTypeSize(w.dtype))) return NoData(w);
    DeviceBuffer data = DeviceBuffer::Host(n * DTypeSize(w.dtype));
    for (int64_t i = 0; i < n; ++i) {
      const float v = a * Uniform(state);
      if (f32) data.data<float>()[i] = v;
      else data.data<uint16_t>()[i] = f16 ? F32ToF16(v) : F32ToBf16(v);
    }
    w.data = arena_.Add(std::move(data));
  }
  if (bias) {
    DeviceBuffer b = DeviceBuffer::Host(rows * sizeof(float));
    for (int64_t i = 0; i < rows; ++i) b.data<float>()[i] = 0.1f * Uniform(state);
    w.bias = arena_.Add(std::move(b));
  }
  return w;
}

}  // namespace vllm
