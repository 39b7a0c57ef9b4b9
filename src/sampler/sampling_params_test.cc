#include "sampler/sampling_params.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>

namespace vllm {
namespace {

constexpr int64_t kVocab = 100;

// Applies `edit` to default params and returns Validate's status.
Status ValidateWith(const std::function<void(SamplingParams&)>& edit) {
  SamplingParams p;
  edit(p);
  return p.Validate(kVocab);
}

void ExpectBadField(const std::function<void(SamplingParams&)>& edit, const std::string& field) {
  Status st = ValidateWith(edit);
  ASSERT_FALSE(st.ok()) << "expected " << field << " to be rejected";
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  // The message starts with the field's name so the API layer can point at it.
  EXPECT_EQ(st.message().rfind(field + " ", 0), 0u) << st.message();
}

TEST(SamplingParamsTest, DefaultsAndEdgeValuesAreValid) {
  EXPECT_TRUE(SamplingParams{}.Validate(kVocab).ok());
  for (auto edit : std::vector<std::function<void(SamplingParams&)>>{
           [](SamplingParams& p) { p.temperature = 0.0f; },
           [](SamplingParams& p) { p.top_p = 1.0f; },
           [](SamplingParams& p) { p.top_p = 1e-6f; },
           [](SamplingParams& p) { p.top_k = -1; },
           [](SamplingParams& p) { p.top_k = 1000; },  // > vocab: simply off
           [](SamplingParams& p) { p.min_p = 1.0f; },
           [](SamplingParams& p) { p.max_tokens = 0; },  // echo-style prompt scoring
           [](SamplingParams& p) { p.min_tokens = 16; },
           [](SamplingParams& p) { p.logprobs = 0; },
           [](SamplingParams& p) { p.logprobs = 20; },
           [](SamplingParams& p) { p.presence_penalty = -2.0f; },
           [](SamplingParams& p) { p.frequency_penalty = 2.0f; },
           [](SamplingParams& p) { p.logit_bias = {{0, 1e6f}, {99, -1e6f}}; },  // clamped later
           [](SamplingParams& p) { p.stop_token_ids = {0, 99}; },
       }) {
    Status st = ValidateWith(edit);
    EXPECT_TRUE(st.ok()) << st.message();
  }
}

TEST(SamplingParamsTest, EachBadFieldIsNamed) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  ExpectBadField([](SamplingParams& p) { p.temperature = -0.1f; }, "temperature");
  ExpectBadField([&](SamplingParams& p) { p.temperature = nan; }, "temperature");
  ExpectBadField([&](SamplingParams& p) { p.temperature = inf; }, "temperature");
  ExpectBadField([](SamplingParams& p) { p.top_p = 0.0f; }, "top_p");
  ExpectBadField([](SamplingParams& p) { p.top_p = 1.01f; }, "top_p");
  ExpectBadField([&](SamplingParams& p) { p.top_p = nan; }, "top_p");
  ExpectBadField([](SamplingParams& p) { p.top_k = -2; }, "top_k");
  ExpectBadField([](SamplingParams& p) { p.min_p = -0.01f; }, "min_p");
  ExpectBadField([](SamplingParams& p) { p.min_p = 1.5f; }, "min_p");
  ExpectBadField([](SamplingParams& p) { p.presence_penalty = 2.5f; }, "presence_penalty");
  ExpectBadField([](SamplingParams& p) { p.frequency_penalty = -3.0f; }, "frequency_penalty");
  ExpectBadField([](SamplingParams& p) { p.repetition_penalty = 0.0f; }, "repetition_penalty");
  ExpectBadField([](SamplingParams& p) { p.repetition_penalty = -1.0f; }, "repetition_penalty");
  ExpectBadField([](SamplingParams& p) { p.logit_bias = {{kVocab, 1.0f}}; }, "logit_bias");
  ExpectBadField([](SamplingParams& p) { p.logit_bias = {{-1, 1.0f}}; }, "logit_bias");
  ExpectBadField([&](SamplingParams& p) { p.logit_bias = {{3, nan}}; }, "logit_bias");
  ExpectBadField([&](SamplingParams& p) { p.logit_bias = {{3, inf}}; }, "logit_bias");
  ExpectBadField([](SamplingParams& p) { p.logit_bias = {{3, 1.0f}, {5, 1.0f}, {3, 2.0f}}; },
                 "logit_bias");
  ExpectBadField([](SamplingParams& p) { p.n = 0; }, "n");
  ExpectBadField([](SamplingParams& p) { p.max_tokens = -1; }, "max_tokens");
  ExpectBadField([](SamplingParams& p) { p.min_tokens = -1; }, "min_tokens");
  ExpectBadField([](SamplingParams& p) { p.min_tokens = 17; }, "min_tokens");  // > max 16
  ExpectBadField([](SamplingParams& p) { p.logprobs = 21; }, "logprobs");
  ExpectBadField([](SamplingParams& p) { p.logprobs = -2; }, "logprobs");
  ExpectBadField([](SamplingParams& p) { p.stop_token_ids = {5, kVocab}; }, "stop_token_ids");
  ExpectBadField([](SamplingParams& p) { p.stop = {"ok", ""}; }, "stop");
}

TEST(SamplingParamsTest, GreedyThreshold) {
  SamplingParams p;
  p.temperature = 0.0f;
  EXPECT_TRUE(p.greedy());
  p.temperature = 0.9e-5f;
  EXPECT_TRUE(p.greedy());
  p.temperature = 1e-5f;
  EXPECT_FALSE(p.greedy());
  p.temperature = 0.7f;
  EXPECT_FALSE(p.greedy());
}

}  // namespace
}  // namespace vllm
