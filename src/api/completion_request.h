// POST /v1/completions request: prompt (a string, a list of strings, a list of token ids or
// a list of such lists), echo, logprobs (an int: top alternatives), and the shared sampling
// fields. Token-id prompts skip the tokenizer entirely.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "api/json_fields.h"
#include "api/request_limits.h"
#include "sampler/sampling_params.h"

namespace vllm::api {

struct CompletionRequest {
  std::string model;
  std::vector<std::variant<std::string, std::vector<int32_t>>> prompts;  // one choice group each
  SamplingParams params;
  bool max_tokens_given = false;
  bool echo = false;
  std::optional<int32_t> logprobs;  // top alternatives per token (0..5 in OpenAI; we allow 20)
  std::optional<int32_t> prompt_logprobs;  // vLLM's extension: the prompt's logprobs, top-n
  bool stream = false;
  bool include_usage = false;
  std::string suffix;
};

Result<CompletionRequest> ParseCompletionRequest(const Json& body, const RequestLimits& limits);

}  // namespace vllm::api
