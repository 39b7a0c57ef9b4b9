// RenderConversation: a conversation (OpenAI-style messages, optional tools, template
// kwargs) rendered through a tokenizer's chat template exactly as transformers'
// apply_chat_template(..., tokenize=False) would. Shared by `vllm-cpp tokenize --chat` and
// the HTTP server.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "tokenizer/tokenizer.h"
#include "util/status.h"

namespace vllm {

struct Conversation {
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  nlohmann::ordered_json tools = nullptr;
  bool add_generation_prompt = true;
  nlohmann::ordered_json template_kwargs = nlohmann::ordered_json::object();  // e.g. enable_thinking
};

// Parses {"messages": [...], "tools": [...], "add_generation_prompt": bool,
// "chat_template_kwargs": {...}} or a bare array of messages.
Result<Conversation> ParseConversation(const nlohmann::ordered_json& j);

Result<std::string> RenderConversation(const Tokenizer& tokenizer, const Conversation& conv);

}  // namespace vllm
