// Off x86 there are no VNNI kernels (matmul_vnni_impl.h and matmul_int8_impl.h are AVX-512
// intrinsics throughout) nor the GGUF int8 ones (matmul_gguf_int8_impl.h, AVX2), but
// matmul_impl.h still names them in `if constexpr (S::kVnni)` / `(S::kInt8)` / `(S::kGgufInt8)` branches. Those are discarded for every non-x86 traits type (both false), so
// declarations suffice: nothing here is ever instantiated or defined.
#pragma once

#include <cstdint>

#include "kernels/weight_matrix.h"

namespace vllm::cpu::simd {

struct VnniX {};

template <class S>
void QuantizeX16(const float* x, int64_t m, int64_t mp, int64_t cols, int64_t gs, VnniX* out);
template <class S>
void VnniTileRows(const WeightMatrix& w, const VnniX& vx, int64_t m, int64_t mp, float* y, int64_t r0, int64_t r1);

struct Int8X {};

struct GgufQ8X {};

inline bool GgufInt8Format(BlockQuant) { return false; }
template <class S>
void QuantizeGgufQ8X(const float* x, int64_t m, int64_t cols, GgufQ8X* out);
template <class S>
void GgufInt8Rows(const WeightMatrix& w, const GgufQ8X& x, int64_t m, float* y, int64_t r0, int64_t r1);

template <class S>
bool Int8Eligible(const WeightMatrix& w);
template <class S>
void QuantizeX8(const float* x, int64_t m, int64_t cols, int64_t gs, int bits, Int8X* out);
template <class S, int Bits>
void Int8Rows(const WeightMatrix& w, const Int8X& x, int64_t m, float* y, int64_t r0, int64_t r1, float* params);

}  // namespace vllm::cpu::simd
