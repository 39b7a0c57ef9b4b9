// Unpacking MLX affine codes (MLX_FORMAT.md §A2): a row is one LSB-first bit stream;
// every group of 32 codes occupies exactly `BITS` u32 words, so groups never straddle
// 32-code boundaries even when single codes straddle words (3/5/6 bit).
#pragma once

#include <cstdint>

namespace vllm::cpu {

// Decodes 32 codes from BITS words.
template <int BITS>
inline void Unpack32(const uint32_t* words, float* out) {
  constexpr uint32_t kMask = (1u << BITS) - 1u;
  if constexpr (32 % BITS == 0) {
    constexpr int kPerWord = 32 / BITS;
    for (int w = 0; w < BITS; ++w) {
      uint32_t word = words[w];
      for (int k = 0; k < kPerWord; ++k) out[w * kPerWord + k] = static_cast<float>((word >> (k * BITS)) & kMask);
    }
  } else {
    for (int j = 0; j < 32; ++j) {
      const int bit = j * BITS;
      const int w = bit >> 5, off = bit & 31;
      uint32_t v = words[w] >> off;
      if (off + BITS > 32) v |= words[w + 1] << (32 - off);
      out[j] = static_cast<float>(v & kMask);
    }
  }
}

// Dequantizes one row: groups of `group_size` codes, w = scale * q + bias.
template <int BITS>
inline void DequantRowT(const uint32_t* words, const float* scales, const float* biases,
                        int64_t cols, int group_size, float* out) {
  const int64_t num_chunks = cols / 32;
  const int chunks_per_group = group_size / 32;
  for (int64_t c = 0; c < num_chunks; ++c) {
    float* o = out + c * 32;
    Unpack32<BITS>(words + c * BITS, o);
    const int64_t g = c / chunks_per_group;
    const float s = scales[g], b = biases[g];
    for (int j = 0; j < 32; ++j) o[j] = s * o[j] + b;
  }
}

}  // namespace vllm::cpu
