// BuildChatTemplateContext: the variables transformers' apply_chat_template hands to a chat
// template, built from an API request's parts, so our rendering of a request matches
// transformers' rendering of the same conversation:
//   {**special_tokens, **extra_kwargs, messages, tools, documents: null, add_generation_prompt}
// with the messages normalized as transformers does (utils/chat_template_utils.py):
//   - top-level message keys whose value is null are dropped (OpenAI clients send
//     "content": null next to tool_calls; many templates treat a missing key differently);
//   - the reasoning text (first non-null of reasoning_content, thinking, reasoning) is
//     mirrored into both `thinking` (placed first) and `reasoning_content`.
// continue_final_message is not handled here.
#pragma once

#include <nlohmann/json.hpp>

#include "util/status.h"

namespace vllm {

struct ChatTemplateInputs {
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();  // array of objects
  nlohmann::ordered_json tools = nullptr;                             // null or array of tool schemas
  bool add_generation_prompt = false;
  nlohmann::ordered_json special_tokens = nlohmann::ordered_json::object();  // bos_token, eos_token, ...
  nlohmann::ordered_json extra_kwargs = nlohmann::ordered_json::object();    // enable_thinking, ...
};

// Takes the inputs by value and moves their JSON into the context (callers std::move them
// in), so a request's messages and tools are never deep-copied.
Result<nlohmann::ordered_json> BuildChatTemplateContext(ChatTemplateInputs inputs);

}  // namespace vllm
