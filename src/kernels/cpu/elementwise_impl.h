// SIMD elementwise kernels over a vector-traits type S, instantiated by elementwise_avx*.cc.
// Only SiLU*mul is here: it is the one elementwise op with a transcendental (a scalar exp per
// element cost ~15% of a 128-token prefill). RMSNorm, RoPE and the residual add are a few
// thousand FLOPs per token on L1-resident rows (<1% of a decode step, see the step profile)
// and stay compiler-vectorised in elementwise.cc.
#pragma once

#include <cmath>
#include <cstdint>

namespace vllm::cpu::simd {

// out = silu(gate) * up = gate / (1 + exp(-gate)) * up.
template <class S>
void SiluMul(const float* gate, const float* up, int64_t n, float* out) {
  const typename S::F one = S::Set1(1.f), zero = S::Zero();
  int64_t i = 0;
  for (; i + S::kLanes <= n; i += S::kLanes) {
    const typename S::F g = S::Load(gate + i);
    const typename S::F e = S::Exp(S::Sub(zero, g));
    S::Store(out + i, S::Mul(S::Div(g, S::Add(one, e)), S::Load(up + i)));
  }
  for (; i < n; ++i) out[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

}  // namespace vllm::cpu::simd
