#include "io/safetensors.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

namespace vllm {

std::string TensorView::ShapeString() const {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

namespace {

// Multiplies with overflow detection (a hostile header can claim absurd shapes).
bool MulOverflows(uint64_t a, uint64_t b, uint64_t* out) {
  return __builtin_mul_overflow(a, b, out);
}

Status ParseEntry(const std::string& label, const std::string& name, const nlohmann::json& e,
                  const uint8_t* buffer, uint64_t buffer_size, TensorView* out) {
  auto err = [&](const std::string& what) {
    return DataLoss(label + ": tensor '" + name + "': " + what);
  };
  if (!e.is_object()) return err("header entry is not an object");
  auto dt = e.find("dtype");
  auto sh = e.find("shape");
  auto off = e.find("data_offsets");
  if (dt == e.end() || !dt->is_string()) return err("missing or non-string 'dtype'");
  if (sh == e.end() || !sh->is_array()) return err("missing or non-array 'shape'");
  if (off == e.end() || !off->is_array() || off->size() != 2) return err("bad 'data_offsets'");
  std::optional<DType> dtype = ParseDType(dt->get<std::string>());
  if (!dtype) return err("unknown dtype '" + dt->get<std::string>() + "'");
  out->name = name;
  out->dtype = *dtype;
  uint64_t count = 1;
  for (const auto& d : *sh) {
    if (!d.is_number_integer() || d.get<int64_t>() < 0) return err("shape has a non-integer or negative dim");
    uint64_t dim = d.get<uint64_t>();
    if (MulOverflows(count, dim, &count)) return err("shape overflows");
    out->shape.push_back(static_cast<int64_t>(dim));
  }
  uint64_t expected;
  if (MulOverflows(count, DTypeSize(*dtype), &expected)) return err("byte size overflows");
  for (const auto& o : *off)
    if (!o.is_number_unsigned() && !(o.is_number_integer() && o.get<int64_t>() >= 0))
      return err("data_offsets must be non-negative integers");
  uint64_t begin = (*off)[0].get<uint64_t>(), end = (*off)[1].get<uint64_t>();
  if (begin > end) return err("data_offsets begin > end");
  if (end > buffer_size)
    return err("data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
               ") past the end of the data (" + std::to_string(buffer_size) + " bytes)");
  if (end - begin != expected)
    return err("shape " + out->ShapeString() + " x " + std::string(DTypeName(*dtype)) + " needs " +
               std::to_string(expected) + " bytes but data_offsets span " +
               std::to_string(end - begin));
  out->data = buffer + begin;
  out->num_bytes = end - begin;
  return Status::Ok();
}

}  // namespace

Status ParseSafetensorsHeader(const uint8_t* bytes, size_t size, const std::string& label,
                              std::map<std::string, TensorView>* tensors,
                              std::map<std::string, std::string>* metadata) {
  if (size < 8) return DataLoss(label + ": file too short for a safetensors header (" +
                                std::to_string(size) + " bytes)");
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<uint64_t>(bytes[i]) << (8 * i);
  if (n > SafetensorsFile::kMaxHeaderBytes)
    return DataLoss(label + ": header length " + std::to_string(n) + " exceeds the 100 MB limit");
  if (n > size - 8)
    return DataLoss(label + ": header length " + std::to_string(n) + " runs past the end of the file (" +
                    std::to_string(size) + " bytes); truncated?");
  nlohmann::json header = nlohmann::json::parse(bytes + 8, bytes + 8 + n, nullptr,
                                                /*allow_exceptions=*/false);
  if (header.is_discarded()) return DataLoss(label + ": header is not valid JSON");
  if (!header.is_object()) return DataLoss(label + ": header is not a JSON object");
  const uint8_t* buffer = bytes + 8 + n;
  uint64_t buffer_size = size - 8 - n;
  std::vector<std::pair<uint64_t, const TensorView*>> spans;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it->is_object()) return DataLoss(label + ": __metadata__ is not an object");
      for (auto m = it->begin(); m != it->end(); ++m)
        if (m->is_string()) (*metadata)[m.key()] = m->get<std::string>();
      continue;
    }
    TensorView view;
    RETURN_IF_ERROR(ParseEntry(label, it.key(), *it, buffer, buffer_size, &view));
    auto [pos, inserted] = tensors->emplace(it.key(), std::move(view));
    (void)inserted;  // JSON object keys are unique after parsing
    spans.emplace_back(pos->second.data - buffer, &pos->second);
  }
  // Overlapping tensors mean a corrupt (or hostile) file; gaps are allowed (MLX's reader
  // allows them, HF's writer never makes them).
  std::sort(spans.begin(), spans.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  uint64_t max_end = 0;
  const TensorView* max_owner = nullptr;
  for (const auto& [begin, view] : spans) {
    if (view->num_bytes == 0) continue;
    if (max_owner && begin < max_end)
      return DataLoss(label + ": tensors '" + max_owner->name + "' and '" + view->name + "' overlap");
    max_end = begin + view->num_bytes;
    max_owner = view;
  }
  return Status::Ok();
}

Result<SafetensorsFile> SafetensorsFile::Parse(MappedFile file) {
  SafetensorsFile f;
  f.file_ = std::move(file);
  RETURN_IF_ERROR(ParseSafetensorsHeader(f.file_.data(), f.file_.size(), f.file_.path(),
                                         &f.tensors_, &f.metadata_));
  return f;
}

Result<SafetensorsFile> SafetensorsFile::Open(const std::string& path) {
  ASSIGN_OR_RETURN(MappedFile mf, MappedFile::Open(path));
  return Parse(std::move(mf));
}

}  // namespace vllm
