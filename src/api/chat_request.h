// POST /v1/chat/completions request: parsed, type-checked and normalized into what the chat
// template and the engine need. `messages` and `tools` stay JSON (ordered_json) because the
// chat template consumes them as template values; nothing else of the body survives.
#pragma once

#include <string>

#include "api/json_fields.h"
#include "api/request_limits.h"
#include "api/structured_output_fields.h"
#include "sampler/sampling_params.h"

namespace vllm::api {

struct ChatRequest {
  std::string model;  // "" when the client omitted it
  Json messages;      // normalized: content is a string (text parts joined) or null
  Json tools;         // null or a list of {"type": "function", "function": {...}}
  bool tools_enabled = false;  // tools given and tool_choice != "none"
  // tool_choice "required" or a named function (checked against the tools); the handler turns
  // it into params.structured with the model family's tool-call syntax.
  ForcedToolChoice forced_tool;
  Json chat_template_kwargs = Json::object();
  bool add_generation_prompt = true;
  bool continue_final_message = false;
  SamplingParams params;  // params.structured: response_format / guided_* / structured_outputs
  bool max_tokens_given = false;
  bool stream = false;
  bool include_usage = false;
  bool logprobs = false;
  int32_t top_logprobs = 0;
  std::optional<int32_t> prompt_logprobs;  // vLLM's extension: the prompt's logprobs, top-n
};

// Takes the body by value so callers move it in: messages, tools and chat_template_kwargs
// are moved out of it, never deep-copied.
Result<ChatRequest> ParseChatRequest(Json body, const RequestLimits& limits);

// Checks one OpenAI-style message list and normalizes it in place (shared with the
// Anthropic adapter, which builds the same shape): roles system/developer/user/assistant/
// tool; content a string, a list of text parts, or null for assistant tool calls.
// developer becomes system (templates know only system); null content becomes ""
// (templates test `x in content`); tool-call arguments given as a JSON
// string become objects, which is what chat templates expect.
Status NormalizeMessages(Json* messages, const RequestLimits& limits);

// Tools: a list of {"type": "function", "function": {"name", ...}}.
Status CheckTools(const Json& tools, const RequestLimits& limits);

}  // namespace vllm::api
