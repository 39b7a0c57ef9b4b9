// Element types as stored in checkpoints (safetensors dtype strings) and used in kernels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace vllm {

enum class DType : uint8_t {
  kBool, kU8, kI8, kI16, kU16, kF16, kBF16, kI32, kU32, kF32, kF64, kI64, kU64, kF8E5M2, kF8E4M3,
};

inline size_t DTypeSize(DType t) {
  switch (t) {
    case DType::kBool: case DType::kU8: case DType::kI8: case DType::kF8E5M2: case DType::kF8E4M3:
      return 1;
    case DType::kI16: case DType::kU16: case DType::kF16: case DType::kBF16:
      return 2;
    case DType::kI32: case DType::kU32: case DType::kF32:
      return 4;
    case DType::kF64: case DType::kI64: case DType::kU64:
      return 8;
  }
  return 0;
}

// The safetensors spelling ("BF16", "U32", ...).
inline std::string_view DTypeName(DType t) {
  switch (t) {
    case DType::kBool: return "BOOL";
    case DType::kU8: return "U8";
    case DType::kI8: return "I8";
    case DType::kI16: return "I16";
    case DType::kU16: return "U16";
    case DType::kF16: return "F16";
    case DType::kBF16: return "BF16";
    case DType::kI32: return "I32";
    case DType::kU32: return "U32";
    case DType::kF32: return "F32";
    case DType::kF64: return "F64";
    case DType::kI64: return "I64";
    case DType::kU64: return "U64";
    case DType::kF8E5M2: return "F8_E5M2";
    case DType::kF8E4M3: return "F8_E4M3";
  }
  return "?";
}

inline std::optional<DType> ParseDType(std::string_view s) {
  static constexpr DType kAll[] = {DType::kBool, DType::kU8,  DType::kI8,   DType::kI16,
                                   DType::kU16,  DType::kF16, DType::kBF16, DType::kI32,
                                   DType::kU32,  DType::kF32, DType::kF64,  DType::kI64,
                                   DType::kU64,  DType::kF8E5M2, DType::kF8E4M3};
  for (DType t : kAll)
    if (DTypeName(t) == s) return t;
  return std::nullopt;
}

}  // namespace vllm
