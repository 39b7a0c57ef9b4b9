#include "model/weight_loader.h"

#include <cstring>

#include "util/half.h"

namespace vllm {

std::string WeightLoader::Stored(const std::string& name) const {
  constexpr std::string_view kPrefix = "model.";
  if (bare_backbone_ && name.compare(0, kPrefix.size(), kPrefix) == 0) return name.substr(kPrefix.size());
  return name;
}

Result<const TensorView*> WeightLoader::Get(const std::string& name) {
  const std::string stored = Stored(name);
  const TensorView* t = store_.Find(stored);
  if (!t) return NotFound("missing tensor '" + stored + "' in the checkpoint");
  used_.insert(stored);
  return t;
}

Status WeightLoader::CheckShape(const TensorView& t, std::vector<int64_t> shape) {
  if (t.shape == shape) return Status::Ok();
  TensorView expected;
  expected.shape = std::move(shape);
  std::string want = expected.ShapeString();
  return InvalidArgument("tensor '" + t.name + "' in " + store_.FileOf(t.name) + " has shape " +
                         t.ShapeString() + ", expected " + want);
}

BufferView WeightLoader::Copy(const TensorView& t) {
  DeviceBuffer host = DeviceBuffer::Host(t.num_bytes);
  std::memcpy(host.data(), t.data, t.num_bytes);
  return arena_.Add(std::move(host));
}

Result<DeviceBuffer> WeightLoader::ToF32(const TensorView& t) {
  const int64_t n = t.NumElements();
  DeviceBuffer out = DeviceBuffer::Host(static_cast<size_t>(n) * sizeof(float));
  float* dst = out.data<float>();
  // memcpy element by element: the source may be unaligned (MLX files are unpadded).
  switch (t.dtype) {
    case DType::kF32:
      std::memcpy(dst, t.data, n * sizeof(float));
      break;
    case DType::kBF16:
    case DType::kF16:
      for (int64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, t.data + 2 * i, 2);
        dst[i] = t.dtype == DType::kBF16 ? Bf16ToF32(h) : F16ToF32(h);
      }
      break;
    default:
      return InvalidArgument("tensor '" + t.name + "' in " + store_.FileOf(t.name) + " has dtype " +
                             std::string(DTypeName(t.dtype)) + ", expected F32, F16 or BF16");
  }
  return out;
}

Result<const float*> WeightLoader::Vector(const std::string& name, int64_t size, float) {
  ASSIGN_OR_RETURN(const TensorView* t, Get(name));
  RETURN_IF_ERROR(CheckShape(*t, {size}));
  ASSIGN_OR_RETURN(DeviceBuffer f32, ToF32(*t));
  return arena_.Add(std::move(f32)).data<float>();
}

Result<const float*> WeightLoader::FloatTensor(const std::string& name,
                                               const std::vector<std::vector<int64_t>>& shapes, FloatInit) {
  ASSIGN_OR_RETURN(const TensorView* t, Get(name));
  Status st = CheckShape(*t, shapes.at(0));
  for (size_t i = 1; i < shapes.size() && !st.ok(); ++i)
    if (t->shape == shapes[i]) st = Status::Ok();
  RETURN_IF_ERROR(st);
  ASSIGN_OR_RETURN(DeviceBuffer f32, ToF32(*t));
  return arena_.Add(std::move(f32)).data<float>();
}

Result<WeightMatrix> WeightLoader::Matrix(const std::string& path, int64_t rows, int64_t cols,
                                          bool bias, MatrixInit) {
  return Bind(path, {}, rows, cols, bias);
}

Result<WeightMatrix> WeightLoader::StackedMatrix(const std::string& path, int64_t num, int64_t rows,
                                                 int64_t cols) {
  return Bind(path, {num}, rows, cols, false);
}

Result<WeightMatrix> WeightLoader::Bind(const std::string& path, const std::vector<int64_t>& lead,
                                        int64_t rows, int64_t cols, bool bias) {
  // shape(last) = lead + {rows, last}: the stored shape with the given last dimension.
  auto shape = [&](int64_t last) {
    std::vector<int64_t> s = lead;
    s.push_back(rows);
    s.push_back(last);
    return s;
  };
  int64_t num = 1;
  for (int64_t d : lead) num *= d;
  WeightMatrix w;
  w.rows = num * rows;
  w.cols = cols;
  ASSIGN_OR_RETURN(const TensorView* weight, Get(path + ".weight"));
  const std::string file = store_.FileOf(weight->name);
  if (store_.Has(Stored(path + ".scales"))) {
    std::optional<QuantParams> q = config_.quantization.ForModule(Stored(path));
    if (!q)
      return InvalidArgument("tensor '" + path + ".scales' in " + file +
                             " says the module is quantized, but config.json's quantization "
                             "block does not quantize '" + path + "'");
    if (cols % q->group_size != 0)
      return InvalidArgument("module '" + path + "': in-features " + std::to_string(cols) +
                             " not divisible by group_size " + std::to_string(q->group_size));
    w.quantized = true;
    w.bits = q->bits;
    w.group_size = q->group_size;
    if (weight->dtype != DType::kU32)
      return InvalidArgument("tensor '" + weight->name + "' in " + file + " is " +
                             std::string(DTypeName(weight->dtype)) + ", expected U32 (packed codes)");
    RETURN_IF_ERROR(CheckShape(*weight, shape(cols * w.bits / 32)));
    ASSIGN_OR_RETURN(const TensorView* scales, Get(path + ".scales"));
    ASSIGN_OR_RETURN(const TensorView* biases, Get(path + ".biases"));
    RETURN_IF_ERROR(CheckShape(*scales, shape(cols / w.group_size)));
    RETURN_IF_ERROR(CheckShape(*biases, shape(cols / w.group_size)));
    w.data = Copy(*weight);
    for (const TensorView* t : {scales, biases})
      if (t->dtype != DType::kF32 && t->dtype != DType::kBF16 && t->dtype != DType::kF16)
        return InvalidArgument("tensor '" + t->name + "' in " + store_.FileOf(t->name) + " has dtype " +
                               std::string(DTypeName(t->dtype)) + ", expected F32, F16 or BF16");
    if (scales->dtype != biases->dtype)
      return InvalidArgument("module '" + path + "': scales are " + std::string(DTypeName(scales->dtype)) +
                             " but biases are " + std::string(DTypeName(biases->dtype)));
    w.scale_dtype = scales->dtype;
    w.scales = Copy(*scales);
    w.biases = Copy(*biases);
  } else {
    if (weight->dtype != DType::kF32 && weight->dtype != DType::kBF16 && weight->dtype != DType::kF16)
      return InvalidArgument("tensor '" + weight->name + "' in " + file + " has dtype " +
                             std::string(DTypeName(weight->dtype)) +
                             (weight->dtype == DType::kU32 ? " but no '" + path + ".scales' tensor" : "") +
                             ", expected F32, F16 or BF16");
    RETURN_IF_ERROR(CheckShape(*weight, shape(cols)));
    w.dtype = weight->dtype;
    w.data = Copy(*weight);
  }
  if (bias) {
    ASSIGN_OR_RETURN(const TensorView* b, Get(path + ".bias"));
    RETURN_IF_ERROR(CheckShape(*b, {rows}));
    ASSIGN_OR_RETURN(DeviceBuffer f32, ToF32(*b));
    w.bias = arena_.Add(std::move(f32));
  }
  return w;
}

std::set<std::string> WeightLoader::Unused() const {
  std::set<std::string> unused;
  for (const auto& n : store_.Names())
    if (!used_.count(n)) unused.insert(n);
  return unused;
}

}  // namespace vllm
