// The sampling and stopping fields shared by chat completions, completions and Anthropic
// messages, read into SamplingParams. Range checks beyond types live in
// SamplingParams::Validate (run by the engine at Submit); this layer checks what only the
// API knows: server limits on max_tokens and n, and logit_bias keys.
#pragma once

#include <string>
#include <vector>

#include "api/json_fields.h"
#include "api/request_limits.h"
#include "sampler/sampling_params.h"

namespace vllm::api {

// OpenAI fields: temperature, top_p, top_k, min_p, presence/frequency/repetition_penalty,
// logit_bias, seed, n, stop, stop_token_ids, max_tokens | max_completion_tokens, min_tokens,
// ignore_eos, skip_special_tokens, include_stop_str_in_output.
Status ReadOpenAiSampling(const Json& body, const RequestLimits& limits, SamplingParams* p);

// `stop` / `stop_sequences`: a string or a list of non-empty strings, within the count and
// length limits.
Status ReadStopList(const Json& body, const char* key, const RequestLimits& limits, std::vector<std::string>* out);

// vLLM's `prompt_logprobs`: an integer in [0, 20] (top alternatives per prompt token).
Status ReadPromptLogprobs(const Json& body, std::optional<int32_t>* out);

// Applies the server defaults for fields the request left out and checks max_tokens / n.
Status CheckMaxTokens(int32_t max_tokens, const RequestLimits& limits, const char* field);

}  // namespace vllm::api
