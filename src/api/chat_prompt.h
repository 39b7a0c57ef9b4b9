// Chat messages -> prompt text -> token ids, the way transformers' apply_chat_template +
// tokenize does it: render the model's chat template with messages, tools,
// add_generation_prompt, the special-token strings and the merged chat_template_kwargs,
// then encode without adding special tokens (the template already wrote them).
#pragma once

#include <string>
#include <vector>

#include "api/json_fields.h"
#include "chat_template/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace vllm::api {

// Owns its JSON: callers move the request's parts in, and rendering moves them on into the
// template context, so client JSON is never deep-copied on the way.
struct ChatPromptInput {
  Json messages;                          // normalized (NormalizeMessages)
  Json tools = nullptr;                   // JSON null or empty: no tools
  Json template_kwargs = Json::object();  // server defaults overlaid by the request's
  bool add_generation_prompt = true;
  bool continue_final_message = false;  // cut the text right after the last message's content
};

Result<std::string> RenderChatPrompt(const ChatTemplate& tmpl, const Tokenizer& tok, ChatPromptInput in);

// enable_thinking as the template will see it (absent = true, as Qwen3's template assumes).
bool ThinkingEnabled(const Json& template_kwargs);

}  // namespace vllm::api
