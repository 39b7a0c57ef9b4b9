// Elementwise kernels per SIMD target (dispatch.h); same contracts as in ops.h.
#pragma once

#include <cstdint>

namespace vllm::cpu {

#if defined(__x86_64__)
void SiluMulAvx2(const float* gate, const float* up, int64_t n, float* out);
void RmsNormAvx2(const float* x, const float* weight, int64_t rows, int64_t dim, float eps, float* y);
void AddRmsNormAvx2(float* x, const float* y, const float* weight, int64_t rows, int64_t dim, float eps, float* out);
void ApplyRopeAvx2(float* x, const int32_t* positions, int64_t num_tokens, int64_t num_heads, int64_t head_dim,
                   const float* inv_freq);
void AddInPlaceAvx2(float* x, const float* y, int64_t n);
void SiluMulAvx512(const float* gate, const float* up, int64_t n, float* out);
void RmsNormAvx512(const float* x, const float* weight, int64_t rows, int64_t dim, float eps, float* y);
void AddRmsNormAvx512(float* x, const float* y, const float* weight, int64_t rows, int64_t dim, float eps, float* out);
void ApplyRopeAvx512(float* x, const int32_t* positions, int64_t num_tokens, int64_t num_heads, int64_t head_dim,
                     const float* inv_freq);
void AddInPlaceAvx512(float* x, const float* y, int64_t n);
#endif
#if defined(__aarch64__)
void SiluMulNeon(const float* gate, const float* up, int64_t n, float* out);
void RmsNormNeon(const float* x, const float* weight, int64_t rows, int64_t dim, float eps, float* y);
void AddRmsNormNeon(float* x, const float* y, const float* weight, int64_t rows, int64_t dim, float eps, float* out);
void ApplyRopeNeon(float* x, const int32_t* positions, int64_t num_tokens, int64_t num_heads, int64_t head_dim,
                   const float* inv_freq);
void AddInPlaceNeon(float* x, const float* y, int64_t n);
#endif

}  // namespace vllm::cpu
