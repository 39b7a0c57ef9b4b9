// POST /v1/responses (OpenAI Responses API) request, converted to the chat shape our chat
// templates consume, as the Anthropic adapter does:
//   instructions                          -> a leading {"role": "system"} message
//   input "text"                          -> one user message
//   input items:
//     {"type": "message", "role", "content": text | [input_text | output_text parts]}
//                                         -> {"role", "content": joined text}
//     {"type": "function_call", "call_id", "name", "arguments"}
//                                         -> a tool call of the preceding assistant turn
//     {"type": "function_call_output", "call_id", "output"}
//                                         -> {"role": "tool", "tool_call_id", "content"}
//     {"type": "reasoning", "content" | "summary"}
//                                         -> reasoning_content of the next assistant turn
//   tools [{"type": "function", "name", "parameters"}] -> [{"type": "function", "function": {...}}]
//   tool_choice none | auto | required | {"type": "function", "name"}
//   text.format text | json_object | json_schema {"name", "schema", "strict"}
//                                         -> params.structured (the grammar path)
//   max_output_tokens, temperature, top_p (and vLLM's extra sampling fields)
// Stateless: previous_response_id, conversation, item_reference, a stored prompt or
// background mode need state this server does not keep: 400 saying so. `store` may be
// given but nothing is stored (the response says store: false).
#pragma once

#include <string>

#include "api/json_fields.h"
#include "api/request_limits.h"
#include "api/structured_output_fields.h"
#include "sampler/sampling_params.h"

namespace vllm::api {

struct ResponsesRequest {
  std::string model;
  Json messages;  // chat-shaped, normalized (NormalizeMessages)
  Json tools;     // chat-shaped or null
  bool tools_enabled = false;
  ForcedToolChoice forced_tool;
  Json template_kwargs = Json::object();  // enable_thinking false for reasoning.effort "none"
  SamplingParams params;                  // params.structured from text.format
  bool max_tokens_given = false;
  bool stream = false;
  // Echoed in the response object, as OpenAI does.
  Json instructions = nullptr;      // string or null
  Json tools_echo = Json::array();  // the request's tools as given
  Json tool_choice_echo = "auto";
  Json text_echo = Json{{"format", {{"type", "text"}}}};
  Json metadata = Json::object();
  Json reasoning_echo = nullptr;
  std::optional<float> temperature, top_p;  // as given (null when absent)
};

// The body is taken by value so callers move it in: input items and tool schemas move out.
Result<ResponsesRequest> ParseResponsesRequest(Json body, const RequestLimits& limits);

}  // namespace vllm::api
