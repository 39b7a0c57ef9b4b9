#include "io/gguf.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <cstdio>
#include <limits>
#include <optional>
#include <regex>
#include <set>

#include "io/gguf_types.h"

namespace vllm {

namespace fs = std::filesystem;

namespace {

// Bounds-checked little-endian reads over the mapping; every failure names the field.
class Cursor {
 public:
  Cursor(const uint8_t* data, size_t size, std::string path) : data_(data), size_(size), path_(std::move(path)) {}

  size_t pos() const { return pos_; }
  size_t left() const { return size_ - pos_; }
  Status Error(const std::string& field, const std::string& what) const {
    return DataLoss(path_ + ": GGUF " + field + ": " + what);
  }

  template <typename T>
  Status Read(const std::string& field, T* out) {
    if (left() < sizeof(T))
      return Error(field, "truncated (needs " + std::to_string(sizeof(T)) + " bytes at offset " +
                              std::to_string(pos_) + ", file has " + std::to_string(size_) + ")");
    std::memcpy(out, data_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return Status::Ok();
  }

  Status ReadString(const std::string& field, uint64_t max_len, std::string* out) {
    uint64_t n = 0;
    RETURN_IF_ERROR(Read(field + " length", &n));
    if (n > left()) return Error(field, "length " + std::to_string(n) + " runs past the end of the file");
    if (n > max_len) return Error(field, "length " + std::to_string(n) + " exceeds " + std::to_string(max_len));
    out->assign(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return Status::Ok();
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  std::string path_;
};

size_t ScalarSize(GgufType t) {
  switch (t) {
    case GgufType::kU8: case GgufType::kI8: case GgufType::kBool: return 1;
    case GgufType::kU16: case GgufType::kI16: return 2;
    case GgufType::kU32: case GgufType::kI32: case GgufType::kF32: return 4;
    case GgufType::kU64: case GgufType::kI64: case GgufType::kF64: return 8;
    default: return 0;
  }
}

bool ValidType(uint32_t t) { return t <= static_cast<uint32_t>(GgufType::kF64); }

// One scalar of type t into v (integers / bools in v->i, floats in v->f).
Status ReadScalar(Cursor& c, const std::string& field, GgufType t, GgufValue* v) {
  auto get = [&](auto sample) -> Status {
    decltype(sample) x{};
    RETURN_IF_ERROR(c.Read(field, &x));
    if constexpr (std::is_floating_point_v<decltype(x)>) {
      v->f = static_cast<double>(x);
    } else if constexpr (std::is_same_v<decltype(x), uint64_t>) {
      if (x > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        return c.Error(field, "u64 value " + std::to_string(x) + " out of range");
      v->i = static_cast<int64_t>(x);
    } else {
      v->i = static_cast<int64_t>(x);
    }
    return Status::Ok();
  };
  switch (t) {
    case GgufType::kU8: return get(uint8_t{});
    case GgufType::kI8: return get(int8_t{});
    case GgufType::kU16: return get(uint16_t{});
    case GgufType::kI16: return get(int16_t{});
    case GgufType::kU32: return get(uint32_t{});
    case GgufType::kI32: return get(int32_t{});
    case GgufType::kF32: return get(float{});
    case GgufType::kU64: return get(uint64_t{});
    case GgufType::kI64: return get(int64_t{});
    case GgufType::kF64: return get(double{});
    case GgufType::kBool: {
      uint8_t b = 0;
      RETURN_IF_ERROR(c.Read(field, &b));
      if (b > 1) return c.Error(field, "bool value " + std::to_string(b) + " is neither 0 nor 1");
      v->i = b;
      return Status::Ok();
    }
    default: return c.Error(field, "not a scalar type");
  }
}

Status ReadValue(Cursor& c, const std::string& field, GgufType t, GgufValue* v) {
  v->type = t;
  if (t == GgufType::kString) return c.ReadString(field, GgufFile::kMaxStringBytes, &v->str);
  if (t != GgufType::kArray) return ReadScalar(c, field, t, v);
  uint32_t et = 0;
  RETURN_IF_ERROR(c.Read(field + " element type", &et));
  if (!ValidType(et)) return c.Error(field, "unknown array element type " + std::to_string(et));
  v->elem_type = static_cast<GgufType>(et);
  if (v->elem_type == GgufType::kArray) return c.Error(field, "arrays of arrays are not supported");
  uint64_t n = 0;
  RETURN_IF_ERROR(c.Read(field + " length", &n));
  // Each element takes at least its scalar size (a string at least its 8-byte length).
  const size_t min_elem = v->elem_type == GgufType::kString ? 8 : ScalarSize(v->elem_type);
  if (n > c.left() / min_elem)
    return c.Error(field, "array length " + std::to_string(n) + " runs past the end of the file");
  if (v->elem_type == GgufType::kString) {
    v->strings.resize(n);
    for (uint64_t k = 0; k < n; ++k)
      RETURN_IF_ERROR(c.ReadString(field + "[" + std::to_string(k) + "]", GgufFile::kMaxStringBytes, &v->strings[k]));
    return Status::Ok();
  }
  v->numbers.resize(n);
  GgufValue e;
  for (uint64_t k = 0; k < n; ++k) {
    RETURN_IF_ERROR(ReadScalar(c, field, v->elem_type, &e));
    v->numbers[k] = (v->elem_type == GgufType::kF32 || v->elem_type == GgufType::kF64) ? e.f : static_cast<double>(e.i);
  }
  return Status::Ok();
}

}  // namespace

const char* GgufTypeName(GgufType t) {
  static const char* kNames[] = {"u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "array", "u64", "i64", "f64"};
  const auto i = static_cast<uint32_t>(t);
  return i < 13 ? kNames[i] : "?";
}

bool GgufValue::IsInteger() const {
  return type != GgufType::kF32 && type != GgufType::kF64 && type != GgufType::kString && type != GgufType::kArray &&
         type != GgufType::kBool;
}

int64_t GgufTensor::NumElements() const {
  int64_t n = 1;
  for (int64_t d : ne) n *= d;
  return n;
}

std::string GgufTensor::ShapeString() const {
  std::string s = "[";
  for (size_t i = 0; i < ne.size(); ++i) s += (i ? ", " : "") + std::to_string(ne[i]);
  return s + "]";
}

Result<GgufFile> GgufFile::Open(const std::string& path) {
  GgufFile f;
  ASSIGN_OR_RETURN(f.file_, MappedFile::Open(path));
  RETURN_IF_ERROR(f.Parse());
  return f;
}

Status GgufFile::Parse() {
  Cursor c(file_.data(), file_.size(), file_.path());
  char magic[4] = {};
  if (file_.size() < 4) return c.Error("magic", "file of " + std::to_string(file_.size()) + " bytes is too short");
  std::memcpy(magic, file_.data(), 4);
  if (std::memcmp(magic, "GGUF", 4) != 0) return c.Error("magic", "not a GGUF file (does not start with \"GGUF\")");
  uint32_t skip = 0;
  RETURN_IF_ERROR(c.Read("magic", &skip));
  RETURN_IF_ERROR(c.Read("version", &version_));
  if (version_ != 2 && version_ != 3)
    return c.Error("version", std::to_string(version_) + " is not supported (need 2 or 3)");
  uint64_t num_tensors = 0, num_kv = 0;
  RETURN_IF_ERROR(c.Read("tensor_count", &num_tensors));
  RETURN_IF_ERROR(c.Read("metadata_kv_count", &num_kv));
  // A key-value pair takes at least 8 + 4 + 1 bytes, a tensor info 8 + 4 + 8 + 4 + 8.
  if (num_kv > c.left() / 13)
    return c.Error("metadata_kv_count", std::to_string(num_kv) + " cannot fit in the file");
  if (num_tensors > c.left() / 32)
    return c.Error("tensor_count", std::to_string(num_tensors) + " cannot fit in the file");
  for (uint64_t k = 0; k < num_kv; ++k) {
    std::string key;
    RETURN_IF_ERROR(c.ReadString("metadata key " + std::to_string(k), 65535, &key));
    uint32_t t = 0;
    RETURN_IF_ERROR(c.Read("metadata '" + key + "' type", &t));
    if (!ValidType(t)) return c.Error("metadata '" + key + "'", "unknown value type " + std::to_string(t));
    GgufValue v;
    RETURN_IF_ERROR(ReadValue(c, "metadata '" + key + "'", static_cast<GgufType>(t), &v));
    if (!metadata_.emplace(key, std::move(v)).second) return c.Error("metadata '" + key + "'", "duplicate key");
  }
  if (const GgufValue* a = Find("general.alignment")) {
    if (!a->IsInteger() || a->i <= 0 || (a->i & (a->i - 1)) != 0 || a->i > (1 << 20))
      return c.Error("metadata 'general.alignment'", "must be a power-of-two integer up to 1 MiB");
    alignment_ = static_cast<uint64_t>(a->i);
  }
  std::set<std::string> names;
  tensors_.resize(num_tensors);
  for (uint64_t k = 0; k < num_tensors; ++k) {
    GgufTensor& t = tensors_[k];
    const std::string where = "tensor " + std::to_string(k);
    RETURN_IF_ERROR(c.ReadString(where + " name", 1024, &t.name));
    const std::string field = where + " ('" + t.name + "')";
    if (!names.insert(t.name).second) return c.Error(field, "duplicate tensor name");
    uint32_t n_dims = 0;
    RETURN_IF_ERROR(c.Read(field + " n_dims", &n_dims));
    if (n_dims == 0 || n_dims > kMaxDims)
      return c.Error(field + " n_dims", std::to_string(n_dims) + " (need 1 to " + std::to_string(kMaxDims) + ")");
    t.ne.resize(n_dims);
    int64_t elems = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      uint64_t ne = 0;
      RETURN_IF_ERROR(c.Read(field + " ne[" + std::to_string(d) + "]", &ne));
      if (ne == 0 || ne > (1ull << 40)) return c.Error(field + " ne[" + std::to_string(d) + "]", std::to_string(ne) + " out of range");
      if (static_cast<uint64_t>(elems) > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / ne)
        return c.Error(field, "element count overflows");
      elems *= static_cast<int64_t>(ne);
      t.ne[d] = static_cast<int64_t>(ne);
    }
    RETURN_IF_ERROR(c.Read(field + " type", &t.ggml_type));
    const GgmlTypeInfo info = GgmlType(t.ggml_type);
    if (!info.name) return c.Error(field + " type", "unknown ggml type " + std::to_string(t.ggml_type));
    if (info.block_bytes == 0)
      return c.Error(field + " type", std::string(info.name) + " (" + std::to_string(t.ggml_type) +
                                          ") is not supported (supported: " + SupportedGgmlTypes() + ")");
    if (t.ne[0] % info.block_elems != 0)
      return c.Error(field, "ne[0] = " + std::to_string(t.ne[0]) + " is not a multiple of the " + info.name +
                                " block size " + std::to_string(info.block_elems));
    const uint64_t blocks = static_cast<uint64_t>(elems / info.block_elems);
    if (blocks > std::numeric_limits<uint64_t>::max() / static_cast<uint64_t>(info.block_bytes))
      return c.Error(field, "byte size overflows");
    t.num_bytes = static_cast<size_t>(blocks * static_cast<uint64_t>(info.block_bytes));
    RETURN_IF_ERROR(c.Read(field + " offset", &t.offset));
    if (t.offset % alignment_ != 0)
      return c.Error(field + " offset", std::to_string(t.offset) + " is not a multiple of the alignment " +
                                            std::to_string(alignment_));
  }
  const uint64_t data_start = (c.pos() + alignment_ - 1) / alignment_ * alignment_;
  const uint64_t data_size = file_.size() >= data_start ? file_.size() - data_start : 0;
  if (num_tensors > 0 && file_.size() < data_start)
    return c.Error("tensor data", "truncated (the data section would start at " + std::to_string(data_start) +
                                      ", past the end of the file)");
  std::vector<const GgufTensor*> by_offset;
  for (GgufTensor& t : tensors_) {
    if (t.offset > data_size || t.num_bytes > data_size - t.offset)
      return c.Error("tensor '" + t.name + "'", "data [" + std::to_string(t.offset) + ", +" + std::to_string(t.num_bytes) +
                                                    ") runs past the end of the file (data section of " +
                                                    std::to_string(data_size) + " bytes): truncated?");
    t.data = file_.data() + data_start + t.offset;
    t.file = file_.path();
    by_offset.push_back(&t);
  }
  std::sort(by_offset.begin(), by_offset.end(), [](auto* a, auto* b) { return a->offset < b->offset; });
  for (size_t k = 1; k < by_offset.size(); ++k)
    if (by_offset[k - 1]->offset + by_offset[k - 1]->num_bytes > by_offset[k]->offset)
      return c.Error("tensor '" + by_offset[k]->name + "'", "data overlaps tensor '" + by_offset[k - 1]->name + "'");
  return Status::Ok();
}

const GgufValue* GgufFile::Find(const std::string& key) const {
  auto it = metadata_.find(key);
  return it == metadata_.end() ? nullptr : &it->second;
}

Result<int64_t> GgufFile::Int(const std::string& key) const {
  const GgufValue* v = Find(key);
  if (!v) return NotFound(path() + ": GGUF metadata '" + key + "' is missing");
  if (!v->IsInteger() && v->type != GgufType::kBool)
    return InvalidArgument(path() + ": GGUF metadata '" + key + "' is " + GgufTypeName(v->type) + ", expected an integer");
  return v->i;
}

Result<double> GgufFile::Float(const std::string& key) const {
  const GgufValue* v = Find(key);
  if (!v) return NotFound(path() + ": GGUF metadata '" + key + "' is missing");
  if (v->IsFloat()) return v->f;
  if (v->IsInteger()) return static_cast<double>(v->i);
  return InvalidArgument(path() + ": GGUF metadata '" + key + "' is " + GgufTypeName(v->type) + ", expected a number");
}

Result<std::string> GgufFile::String(const std::string& key) const {
  const GgufValue* v = Find(key);
  if (!v) return NotFound(path() + ": GGUF metadata '" + key + "' is missing");
  if (v->type != GgufType::kString)
    return InvalidArgument(path() + ": GGUF metadata '" + key + "' is " + GgufTypeName(v->type) + ", expected a string");
  return v->str;
}

Result<const GgufValue*> GgufFile::Array(const std::string& key, GgufType elem) const {
  const GgufValue* v = Find(key);
  if (!v) return NotFound(path() + ": GGUF metadata '" + key + "' is missing");
  const bool numeric_ok = elem != GgufType::kString && v->elem_type != GgufType::kString;
  if (v->type != GgufType::kArray || (v->elem_type != elem && !numeric_ok))
    return InvalidArgument(path() + ": GGUF metadata '" + key + "' is " + GgufTypeName(v->type) +
                           (v->type == GgufType::kArray ? std::string(" of ") + GgufTypeName(v->elem_type) : "") +
                           ", expected an array of " + GgufTypeName(elem));
  return v;
}

namespace {

// NAME-00001-of-00003.gguf -> {NAME, 1, 3}.
struct SplitName {
  std::string stem;
  int no = 0, count = 0;
};
std::optional<SplitName> ParseSplitName(const std::string& file) {
  static const std::regex re(R"((.*)-(\d{5})-of-(\d{5})\.gguf)", std::regex::icase);
  std::smatch m;
  if (!std::regex_match(file, m, re)) return std::nullopt;
  return SplitName{m[1].str(), std::stoi(m[2].str()), std::stoi(m[3].str())};
}

std::string SplitPath(const fs::path& dir, const SplitName& s, int no) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "-%05d-of-%05d.gguf", no, s.count);
  return (dir / (s.stem + buf)).string();
}

}  // namespace

Result<std::string> FindGgufFile(const std::string& path) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return path;
  std::vector<std::string> candidates;
  for (const auto& e : fs::directory_iterator(path, ec)) {
    const std::string name = e.path().filename().string();
    if (name.size() < 5 || (name.compare(name.size() - 5, 5, ".gguf") != 0 && name.compare(name.size() - 5, 5, ".GGUF") != 0))
      continue;
    auto split = ParseSplitName(name);
    if (split && split->no != 1) continue;  // a split model counts once, by its first part
    candidates.push_back(e.path().string());
  }
  std::sort(candidates.begin(), candidates.end());
  if (candidates.empty()) return NotFound(path + ": no .gguf file in the directory");
  if (candidates.size() > 1) {
    std::string list;
    for (const auto& c : candidates) list += (list.empty() ? "" : ", ") + fs::path(c).filename().string();
    return InvalidArgument(path + ": several GGUF models in the directory (" + list + "); name the file");
  }
  return candidates[0];
}

Result<GgufModel> GgufModel::Open(const std::string& path) {
  ASSIGN_OR_RETURN(std::string file, FindGgufFile(path));
  GgufModel m;
  const fs::path p(file);
  const auto split = ParseSplitName(p.filename().string());
  std::vector<std::string> paths{file};
  if (split) {
    if (split->count < 1 || split->no < 1 || split->no > split->count)
      return InvalidArgument(file + ": split file name numbers out of range");
    paths.clear();
    for (int i = 1; i <= split->count; ++i) paths.push_back(SplitPath(p.parent_path(), *split, i));
  }
  for (size_t i = 0; i < paths.size(); ++i) {
    ASSIGN_OR_RETURN(GgufFile f, GgufFile::Open(paths[i]));
    auto part = std::make_unique<GgufFile>(std::move(f));
    if (split) {
      auto count = part->Int("split.count");
      auto no = part->Int("split.no");
      if (!count.ok() || *count != split->count)
        return DataLoss(paths[i] + ": GGUF metadata 'split.count' does not say " + std::to_string(split->count));
      if (!no.ok() || *no != static_cast<int64_t>(i))  // split.no counts from 0
        return DataLoss(paths[i] + ": GGUF metadata 'split.no' is not " + std::to_string(i));
    } else if (auto count = part->Int("split.count"); count.ok() && *count > 1) {
      return InvalidArgument(paths[i] + ": part of a " + std::to_string(*count) +
                             "-file split model, but its name is not NAME-0000K-of-0000N.gguf");
    }
    for (const GgufTensor& t : part->tensors())
      if (!m.tensors_.emplace(t.name, &t).second)
        return DataLoss(paths[i] + ": tensor '" + t.name + "' also appears in an earlier part");
    m.files_.push_back(std::move(part));
  }
  return m;
}

const GgufTensor* GgufModel::Find(const std::string& name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : it->second;
}

}  // namespace vllm
