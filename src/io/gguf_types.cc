#include "io/gguf_types.h"

namespace vllm {

GgmlTypeInfo GgmlType(uint32_t id) {
  auto dense = [](const char* n, DType t) {
    return GgmlTypeInfo{.name = n, .block_elems = 1, .block_bytes = static_cast<int64_t>(DTypeSize(t)),
                        .dense = true, .dtype = t};
  };
  auto block = [](BlockQuant q) {
    return GgmlTypeInfo{.name = BlockQuantName(q).data(), .block_elems = BlockElems(q),
                        .block_bytes = BlockBytes(q), .block = q};
  };
  auto named = [](const char* n) { return GgmlTypeInfo{.name = n}; };
  switch (id) {
    case 0: return dense("F32", DType::kF32);
    case 1: return dense("F16", DType::kF16);
    case 2: return block(BlockQuant::kQ4_0);
    case 3: return block(BlockQuant::kQ4_1);
    case 6: return block(BlockQuant::kQ5_0);
    case 7: return block(BlockQuant::kQ5_1);
    case 8: return block(BlockQuant::kQ8_0);
    case 9: return named("Q8_1");
    case 10: return block(BlockQuant::kQ2_K);
    case 11: return block(BlockQuant::kQ3_K);
    case 12: return block(BlockQuant::kQ4_K);
    case 13: return block(BlockQuant::kQ5_K);
    case 14: return block(BlockQuant::kQ6_K);
    case 15: return named("Q8_K");
    case 16: return named("IQ2_XXS");
    case 17: return named("IQ2_XS");
    case 18: return named("IQ3_XXS");
    case 19: return named("IQ1_S");
    case 20: return named("IQ4_NL");
    case 21: return named("IQ3_S");
    case 22: return named("IQ2_S");
    case 23: return named("IQ4_XS");
    case 24: return dense("I8", DType::kI8);
    case 25: return dense("I16", DType::kI16);
    case 26: return dense("I32", DType::kI32);
    case 27: return dense("I64", DType::kI64);
    case 28: return dense("F64", DType::kF64);
    case 29: return named("IQ1_M");
    case 30: return dense("BF16", DType::kBF16);
    case 34: return named("TQ1_0");
    case 35: return named("TQ2_0");
    case 39: return named("MXFP4");
    default: return {};
  }
}

std::string GgmlTypeLabel(uint32_t id) {
  const GgmlTypeInfo t = GgmlType(id);
  return t.name ? std::string(t.name) + " (" + std::to_string(id) + ")" : "type " + std::to_string(id);
}

const char* SupportedGgmlTypes() {
  return "F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K";
}

}  // namespace vllm
