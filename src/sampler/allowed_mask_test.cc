// ApplyAllowedMask against the token-at-a-time reference (kernels/ref), over vocab sizes that
// hit every word-tail case, and the sampler drawing only allowed tokens (greedy and random).
#include "sampler/allowed_mask.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "kernels/ref/ref_ops.h"
#include "sampler/sampler.h"

namespace vllm {
namespace {

// Words of each kind: all ones (skipped), zero, sparse, dense, random.
std::vector<uint32_t> RandomMask(int64_t vocab, std::mt19937& rng) {
  std::vector<uint32_t> m(static_cast<size_t>(AllowedMaskWords(vocab)));
  for (auto& w : m) {
    switch (rng() % 5) {
      case 0: w = ~0u; break;
      case 1: w = 0u; break;
      case 2: w = 1u << (rng() % 32); break;
      case 3: w = ~(1u << (rng() % 32)); break;
      default: w = static_cast<uint32_t>(rng()); break;
    }
  }
  return m;
}

std::vector<float> RandomLogits(int64_t vocab, std::mt19937& rng) {
  std::normal_distribution<float> d(0.0f, 3.0f);
  std::vector<float> l(static_cast<size_t>(vocab));
  for (auto& x : l) x = d(rng) + 0.5f;  // never all zeros
  return l;
}

TEST(AllowedMaskTest, MatchesReferenceOverSizes) {
  std::mt19937 rng(11);
  for (int64_t vocab : {1, 7, 31, 32, 33, 63, 64, 65, 1000, 4099, 151936}) {
    for (int rep = 0; rep < 4; ++rep) {
      const auto mask = RandomMask(vocab, rng);
      const auto logits = RandomLogits(vocab, rng);
      const auto want = ref::ApplyAllowedMask(logits, mask);
      auto got = logits;
      ApplyAllowedMask(got, mask.data());
      for (int64_t i = 0; i < vocab; ++i) {
        ASSERT_EQ(std::isinf(got[i]), std::isinf(want[i])) << "vocab " << vocab << " id " << i;
        if (!std::isinf(want[i])) ASSERT_EQ(got[i], want[i]);
        ASSERT_EQ(MaskAllows(mask.data(), i), !std::isinf(want[i]));
      }
    }
  }
}

// Whatever the logits favour, a masked row draws an allowed token: greedy, and random with
// every filter, over many seeds.
TEST(AllowedMaskTest, SamplerDrawsOnlyAllowedTokens) {
  std::mt19937 rng(5);
  for (int64_t vocab : {33, 1000, 151936}) {
    SamplerScratch scratch(vocab);
    for (int rep = 0; rep < 40; ++rep) {
      // A few allowed ids, with the largest logits deliberately outside them.
      std::vector<uint32_t> mask(static_cast<size_t>(AllowedMaskWords(vocab)), 0u);
      std::vector<int64_t> allowed;
      for (int k = 0; k < 1 + rep % 5; ++k) {
        const int64_t id = static_cast<int64_t>(rng() % vocab);
        mask[id / 32] |= 1u << (id % 32);
        allowed.push_back(id);
      }
      auto logits = RandomLogits(vocab, rng);
      for (int64_t id = 0; id < vocab; ++id)
        if (!MaskAllows(mask.data(), id)) logits[id] += 20.0f;
      SamplingParams p;
      p.temperature = rep % 2 ? 0.0f : 1.5f;
      p.top_k = rep % 3 == 0 ? 2 : 0;
      p.top_p = rep % 4 == 0 ? 0.5f : 1.0f;
      p.seed = rep;
      auto state = SequenceSamplerState::Create(p, {}, 1);
      const SampleOutput o = Sample(logits, p, state, {}, scratch, mask.data());
      ASSERT_TRUE(MaskAllows(mask.data(), o.token_id)) << "vocab " << vocab << " rep " << rep << " drew " << o.token_id;
    }
  }
}

}  // namespace
}  // namespace vllm
