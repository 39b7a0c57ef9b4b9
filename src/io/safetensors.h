// safetensors reader: 8-byte LE header length N, N bytes of JSON, then the data buffer.
// Tensor data may sit at any byte offset (MLX writes unpadded files), so consumers must
// read through memcpy or unaligned loads, never by casting `data` to a wider type.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "io/mapped_file.h"
#include "util/dtype.h"
#include "util/status.h"

namespace vllm {

struct TensorView {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  const uint8_t* data = nullptr;  // inside the file mapping; possibly unaligned
  size_t num_bytes = 0;

  int64_t NumElements() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
  std::string ShapeString() const;
};

class SafetensorsFile {
 public:
  // Header larger than this is rejected (the limit HF and MLX both enforce).
  static constexpr uint64_t kMaxHeaderBytes = 100'000'000;

  // Maps the file and validates the header: every error names the file and, where one is
  // involved, the tensor.
  static Result<SafetensorsFile> Open(const std::string& path);
  // Same validation over an in-memory image (used by tests and fuzzing).
  static Result<SafetensorsFile> Parse(MappedFile file);

  const std::string& path() const { return file_.path(); }
  const std::map<std::string, TensorView>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const TensorView* Find(const std::string& name) const {
    auto it = tensors_.find(name);
    return it == tensors_.end() ? nullptr : &it->second;
  }

 private:
  MappedFile file_;
  std::map<std::string, TensorView> tensors_;
  std::map<std::string, std::string> metadata_;
};

// Validates a header over a raw byte image (no file); exposed for tests.
Status ParseSafetensorsHeader(const uint8_t* bytes, size_t size, const std::string& label,
                              std::map<std::string, TensorView>* tensors,
                              std::map<std::string, std::string>* metadata);

}  // namespace vllm
