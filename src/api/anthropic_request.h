// POST /v1/messages (and /v1/messages/count_tokens) request, converted to the OpenAI-style
// message list our chat templates consume:
//   system (string | text blocks)  -> a leading {"role": "system"} message
//   user text blocks               -> {"role": "user", "content": joined text}
//   user tool_result blocks        -> {"role": "tool", "tool_call_id", "content"}
//   assistant text / tool_use      -> {"role": "assistant", "content", "tool_calls"}
//   assistant thinking             -> reasoning_content (Qwen3's template renders it)
//   tools [{name, description, input_schema}] -> [{"type": "function", "function": {...}}]
#pragma once

#include <string>
#include <vector>

#include "api/json_fields.h"
#include "api/request_limits.h"
#include "api/structured_output_fields.h"
#include "sampler/sampling_params.h"

namespace vllm::api {

struct MessagesRequest {
  std::string model;
  Json messages;  // OpenAI-style, normalized
  Json tools;     // OpenAI-style or null
  bool tools_enabled = false;
  ForcedToolChoice forced_tool;  // tool_choice any / tool (disable_parallel_tool_use: one call)
  Json template_kwargs = Json::object();  // enable_thinking from "thinking"
  SamplingParams params;  // params.structured: output_config.format
  std::vector<std::string> stop_sequences;
  bool stream = false;
};

// count_tokens = true: max_tokens is not required (the count_tokens endpoint). The body is
// taken by value so callers move it in: message content and tool schemas move out of it.
Result<MessagesRequest> ParseMessagesRequest(Json body, const RequestLimits& limits, bool count_tokens);

}  // namespace vllm::api
