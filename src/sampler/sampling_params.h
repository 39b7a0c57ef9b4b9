// SamplingParams: one request's sampling and stopping settings, as plain data
// (DESIGN.md §3). Field meanings follow vLLM's SamplingParams / the OpenAI API.
// The sampler reads the sampling fields; the engine reads the stopping fields (n, max_tokens,
// stop strings, ...). Validate() once at admission; the sampler assumes a valid struct.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sampler/structured_output.h"
#include "util/status.h"

namespace vllm {

// Temperatures below this are greedy (vLLM's _SAMPLING_EPS): dividing by them would blow
// every logit gap up to +-inf anyway.
inline constexpr float kGreedyTemperature = 1e-5f;
// vLLM clamps each logit_bias value into [-kMaxLogitBias, kMaxLogitBias]; so do we (at apply
// time, so Validate() can stay const).
inline constexpr float kMaxLogitBias = 100.0f;
// OpenAI's and vLLM's cap on top logprobs per position.
inline constexpr int32_t kMaxLogprobs = 20;

struct SamplingParams {
  float temperature = 1.0f;  // < kGreedyTemperature (e.g. 0) = greedy
  float top_p = 1.0f;        // (0, 1]; 1 = off
  int32_t top_k = 0;         // 0 or -1 = off; >= vocab is also off
  float min_p = 0.0f;        // [0, 1]; 0 = off
  float presence_penalty = 0.0f;    // [-2, 2], over output tokens
  float frequency_penalty = 0.0f;   // [-2, 2], over output tokens
  float repetition_penalty = 1.0f;  // > 0, over prompt + output tokens; 1 = off
  std::vector<std::pair<int32_t, float>> logit_bias;  // (token id, added logit); ids unique
  std::optional<uint64_t> seed;  // unset: the engine's per-request fallback seed
  int32_t logprobs = -1;  // -1: none; n >= 0: chosen token's logprob + top-n alternatives
  // Embeddings (/v1/embeddings): the prompt's final-normed hidden states pooled into one vector
  // (RequestOutput::embedding); such a request runs its prompt only (max_tokens 0) and, like
  // prompt logprobs, needs every prompt row, so it skips prefix-cache hits.
  enum class Pooling : int8_t { kNone, kLast, kMean, kCls };
  Pooling pooling = Pooling::kNone;
  // -1: none; n >= 0: every prompt token's logprob (but the first) + top-n alternatives,
  // from the prompt's own forward pass (such a sequence skips prefix-cache hits).
  int32_t prompt_logprobs = -1;
  int32_t n = 1;
  int32_t max_tokens = 16;  // 0 is allowed (echo-style prompt scoring: no sampling)
  int32_t min_tokens = 0;   // EOS and stop_token_ids are masked until this many are generated
  bool ignore_eos = false;  // EOS does not stop the request (it is still sampleable)
  std::vector<int32_t> stop_token_ids;
  std::vector<std::string> stop;
  bool include_stop_str_in_output = false;
  bool skip_special_tokens = true;
  // Grammar-constrained decoding: each sampled token is drawn from the tokens the grammar
  // allows next; EOS only where the grammar accepts (see grammar/ and runner/).
  StructuredOutput structured;

  bool greedy() const { return temperature < kGreedyTemperature; }
  bool has_penalties() const {
    return presence_penalty != 0.0f || frequency_penalty != 0.0f || repetition_penalty != 1.0f;
  }

  // InvalidArgument naming the first bad field ("top_p must be in (0, 1], got 0").
  Status Validate(int64_t vocab_size) const;
};

}  // namespace vllm
