// The Neon instantiation of elementwise_impl.h. Built only for AArch64, where NEON is baseline
// (no target pragma; see matmul_neon.cc).
#include "kernels/cpu/elementwise_impl.h"
#include "kernels/cpu/elementwise_targets.h"
#include "kernels/cpu/simd_neon.h"

namespace vllm::cpu {

void SiluMulNeon(const float* gate, const float* up, int64_t n, float* out) { simd::SiluMul<Neon>(gate, up, n, out); }

}  // namespace vllm::cpu
