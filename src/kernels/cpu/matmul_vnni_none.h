// Off x86 there is no VNNI GEMM (matmul_vnni_impl.h is AVX-512 intrinsics throughout), but
// matmul_impl.h still names it in `if constexpr (S::kVnni)` branches. Those are discarded for
// every non-x86 traits type (kVnni = false), so declarations suffice: nothing here is ever
// instantiated or defined.
#pragma once

#include <cstdint>

#include "model/weight_matrix.h"

namespace vllm::cpu::simd {

struct VnniX {};

template <class S>
void QuantizeX16(const float* x, int64_t m, int64_t mp, int64_t cols, int64_t gs, VnniX* out);
template <class S>
void VnniTileRows(const WeightMatrix& w, const VnniX& vx, int64_t m, int64_t mp, float* y, int64_t r0, int64_t r1);

}  // namespace vllm::cpu::simd
