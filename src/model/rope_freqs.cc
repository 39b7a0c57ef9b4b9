#include "model/rope_freqs.h"

#include <cmath>

namespace vllm {

std::vector<float> RopeInverseFrequencies(const RopeConfig& rope, int64_t head_dim) {
  const int64_t half = head_dim / 2;
  std::vector<float> inv(half);
  for (int64_t i = 0; i < half; ++i) {
    // period p_i = base^(2i/d); mlx-lm's llama3 remap works on periods.
    double p = std::pow(rope.theta, static_cast<double>(2 * i) / static_cast<double>(head_dim));
    if (rope.type == RopeType::kLinear) {
      p *= rope.factor;  // positions scaled by 1/factor
    } else if (rope.type == RopeType::kLlama3) {
      const double wavelen = 2.0 * M_PI * p;
      const double low_wavelen = rope.original_max_position_embeddings / rope.low_freq_factor;
      const double high_wavelen = rope.original_max_position_embeddings / rope.high_freq_factor;
      if (wavelen > low_wavelen) {
        p *= rope.factor;
      } else if (wavelen > high_wavelen && wavelen < low_wavelen) {
        const double smooth = (rope.original_max_position_embeddings / wavelen - rope.low_freq_factor) /
                              (rope.high_freq_factor - rope.low_freq_factor);
        p = p / ((1.0 - smooth) / rope.factor + smooth);
      }
    }
    inv[i] = static_cast<float>(1.0 / p);
  }
  return inv;
}

}  // namespace vllm
