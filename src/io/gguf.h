// GGUF reader (llama.cpp's single-file format, versions 2 and 3), memory-mapped:
//
//   "GGUF" | u32 version | u64 tensor_count | u64 kv_count
//   kv_count x (string key | u32 value_type | value)          string = u64 length | bytes
//   tensor_count x (string name | u32 n_dims | u64 ne[n_dims] | u32 ggml_type | u64 offset)
//   padding to `general.alignment` (default 32) | tensor data (offsets relative to here)
//
// Every field is validated before use (counts and lengths against the bytes left, dims and
// sizes against overflow, types, offsets against the alignment, the file end and each other),
// so a corrupt or truncated file is one error line naming the file and the field, never a
// read out of bounds. ne[0] is the fastest-varying dimension: a matrix [rows, cols] is stored
// with ne = {cols, rows}.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "io/mapped_file.h"
#include "util/status.h"

namespace vllm {

enum class GgufType : uint32_t {
  kU8 = 0, kI8 = 1, kU16 = 2, kI16 = 3, kU32 = 4, kI32 = 5, kF32 = 6, kBool = 7, kString = 8,
  kArray = 9, kU64 = 10, kI64 = 11, kF64 = 12,
};

const char* GgufTypeName(GgufType t);

// One metadata value. Scalars: integers in `i` (u64 above INT64_MAX is rejected), floats in
// `f`, bools in `i` (0/1), strings in `str`. Arrays (of scalars or strings; arrays of arrays are
// not used by any writer and are rejected): `elem_type` and `strings` or `numbers`.
struct GgufValue {
  GgufType type = GgufType::kU8;
  GgufType elem_type = GgufType::kU8;
  int64_t i = 0;
  double f = 0;
  std::string str;
  std::vector<std::string> strings;
  std::vector<double> numbers;

  bool IsInteger() const;
  bool IsFloat() const { return type == GgufType::kF32 || type == GgufType::kF64; }
  size_t ArraySize() const { return elem_type == GgufType::kString ? strings.size() : numbers.size(); }
};

struct GgufTensor {
  std::string name;
  uint32_t ggml_type = 0;
  std::vector<int64_t> ne;  // fastest-varying first
  uint64_t offset = 0;      // from the start of the data section
  const uint8_t* data = nullptr;
  size_t num_bytes = 0;
  std::string file;  // path of the file holding it (split models)

  int64_t NumElements() const;
  std::string ShapeString() const;  // "[ne0, ne1]" as stored
};

class GgufFile {
 public:
  static constexpr uint64_t kMaxStringBytes = 1ull << 30;
  static constexpr uint32_t kMaxDims = 4;  // GGML_MAX_DIMS

  static Result<GgufFile> Open(const std::string& path);

  const std::string& path() const { return file_.path(); }
  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  const std::map<std::string, GgufValue>& metadata() const { return metadata_; }
  const std::vector<GgufTensor>& tensors() const { return tensors_; }

  const GgufValue* Find(const std::string& key) const;
  // Typed lookups: NotFound when absent, InvalidArgument naming the key on a type mismatch.
  Result<int64_t> Int(const std::string& key) const;
  Result<double> Float(const std::string& key) const;  // integers accepted
  Result<std::string> String(const std::string& key) const;
  Result<const GgufValue*> Array(const std::string& key, GgufType elem) const;

 private:
  Status Parse();

  MappedFile file_;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  std::map<std::string, GgufValue> metadata_;
  std::vector<GgufTensor> tensors_;
};

// A GGUF model: one file, or every part of a split (`NAME-00001-of-0000N.gguf`, with
// split.count / split.no metadata), the first part's metadata, all parts' tensors by name.
class GgufModel {
 public:
  // `path`: a .gguf file (any part of a split), or a directory holding one model's GGUF
  // file(s).
  static Result<GgufModel> Open(const std::string& path);

  const GgufFile& first() const { return *files_.front(); }
  const std::string& path() const { return files_.front()->path(); }
  size_t num_files() const { return files_.size(); }
  const GgufTensor* Find(const std::string& name) const;
  const std::map<std::string, const GgufTensor*>& tensors() const { return tensors_; }

 private:
  std::vector<std::unique_ptr<GgufFile>> files_;
  std::map<std::string, const GgufTensor*> tensors_;
};

// The GGUF file a model argument names: the path itself for a file, the one model's first
// file for a directory (several unrelated .gguf files there: an error listing them).
Result<std::string> FindGgufFile(const std::string& path);

}  // namespace vllm
