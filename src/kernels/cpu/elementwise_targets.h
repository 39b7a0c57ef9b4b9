// Elementwise kernels per SIMD target (dispatch.h); same contracts as in ops.h.
#pragma once

#include <cstdint>

namespace vllm::cpu {

#if defined(__x86_64__)
void SiluMulAvx2(const float* gate, const float* up, int64_t n, float* out);
void SiluMulAvx512(const float* gate, const float* up, int64_t n, float* out);
#endif
#if defined(__aarch64__)
void SiluMulNeon(const float* gate, const float* up, int64_t n, float* out);
#endif

}  // namespace vllm::cpu
