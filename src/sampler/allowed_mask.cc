#include "sampler/allowed_mask.h"

#include <limits>

namespace vllm {

void ApplyAllowedMask(std::span<float> logits, const uint32_t* mask) {
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  const int64_t vocab = static_cast<int64_t>(logits.size());
  const int64_t words = AllowedMaskWords(vocab);
  float* l = logits.data();
  for (int64_t w = 0; w < words; ++w) {
    const uint32_t bits = mask[w];
    if (bits == ~0u) continue;
    const int64_t base = w * 32;
    const int64_t n = vocab - base < 32 ? vocab - base : 32;
    if (bits == 0) {
      for (int64_t i = 0; i < n; ++i) l[base + i] = kNegInf;
      continue;
    }
    for (int64_t i = 0; i < n; ++i)
      if (!((bits >> i) & 1u)) l[base + i] = kNegInf;
  }
}

}  // namespace vllm
