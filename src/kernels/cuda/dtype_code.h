// The 16/32-bit float dtypes as the small integer the kernels switch on (0 f32, 1 bf16,
// 2 f16; device_math.cuh LoadParam). Host code only.
#pragma once

#include "util/check.h"
#include "util/dtype.h"

namespace vllm::cuda::internal {

inline int FloatDtypeCode(DType t) {
  switch (t) {
    case DType::kF32: return 0;
    case DType::kBF16: return 1;
    case DType::kF16: return 2;
    default: CHECK(false) << "unsupported float dtype " << DTypeName(t);
  }
  return 0;
}

}  // namespace vllm::cuda::internal
