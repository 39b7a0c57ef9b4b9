// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11): a
// counter-based generator. The sampler keys it by the request's seed and counts by the output
// position of the token being drawn, so a draw depends on (seed, position) alone: no generator
// state per sequence, the same numbers on the CPU and a GPU, whatever the batch or threads.
// Host and device code: integer arithmetic only, bit-identical everywhere.
#pragma once

#include <cstdint>

#ifndef VLLM_HD  // also defined, identically, by util/fast_exp.h
#if defined(__CUDACC__)
#define VLLM_HD __host__ __device__
#else
#define VLLM_HD
#endif
#endif

namespace vllm {

struct Philox4x32 {
  uint32_t v[4];
};

// One Philox4x32-10 block: ten rounds of the multiply-xor bijection with a Weyl key schedule.
VLLM_HD inline Philox4x32 Philox4x32_10(Philox4x32 ctr, uint32_t k0, uint32_t k1) {
  constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
  constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    const uint64_t p0 = static_cast<uint64_t>(kM0) * ctr.v[0];
    const uint64_t p1 = static_cast<uint64_t>(kM1) * ctr.v[2];
    const uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
    const uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
    ctr = {{hi1 ^ ctr.v[1] ^ k0, lo1, hi0 ^ ctr.v[3] ^ k1, lo0}};
    k0 += kW0;
    k1 += kW1;
  }
  return ctr;
}

// A uniform double in [0, 1) with 53 random bits, from (seed, counter).
VLLM_HD inline double PhiloxUniform(uint64_t seed, uint64_t counter) {
  const Philox4x32 r = Philox4x32_10({{static_cast<uint32_t>(counter), static_cast<uint32_t>(counter >> 32), 0u, 0u}},
                                     static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
  const uint64_t bits = (static_cast<uint64_t>(r.v[0]) << 32 | r.v[1]) >> 11;
  return static_cast<double>(bits) * (1.0 / 9007199254740992.0);  // 2^-53
}

}  // namespace vllm
