#include "api/chat_prompt.h"

#include "chat_template/chat_context.h"

namespace vllm::api {

bool ThinkingEnabled(const Json& kwargs) {
  auto it = kwargs.find("enable_thinking");
  return it == kwargs.end() || !it->is_boolean() || it->get<bool>();
}

Result<std::string> RenderChatPrompt(const ChatTemplate& tmpl, const Tokenizer& tok, ChatPromptInput in) {
  // continue_final_message needs the last content after the messages moved on.
  std::string last_content;
  if (in.continue_final_message && in.messages.is_array() && !in.messages.empty()) {
    const Json& last = in.messages.back();
    if (auto it = last.find("content"); it != last.end() && it->is_string()) last_content = it->get<std::string>();
  }
  // The same context `vllm-cpp tokenize --chat` (RenderConversation) builds, i.e. what
  // transformers' apply_chat_template hands the template; only the parse is cached here.
  ChatTemplateInputs inputs;
  inputs.messages = std::move(in.messages);
  if (!in.tools.is_null() && !in.tools.empty()) inputs.tools = std::move(in.tools);
  inputs.add_generation_prompt = in.add_generation_prompt && !in.continue_final_message;
  inputs.extra_kwargs = std::move(in.template_kwargs);
  if (!tok.bos_token().empty()) inputs.special_tokens["bos_token"] = tok.bos_token();
  if (!tok.eos_token().empty()) inputs.special_tokens["eos_token"] = tok.eos_token();
  auto ctx = BuildChatTemplateContext(std::move(inputs));
  if (!ctx.ok()) return InvalidArgument("chat template context: " + ctx.status().message());
  auto text = tmpl.Render(ctx.value());
  if (!text.ok()) return InvalidArgument("chat template: " + text.status().message());
  if (!in.continue_final_message) return text;
  // Continue the last (assistant) message: drop whatever the template appends after its
  // content (end-of-turn tokens), as transformers' continue_final_message does.
  const std::string& content = last_content;
  std::string& s = text.value();
  const size_t pos = content.empty() ? std::string::npos : s.rfind(content);
  if (pos == std::string::npos)
    return InvalidArgument("continue_final_message: the final message's content is not in the rendered prompt");
  s.resize(pos + content.size());
  return text;
}

}  // namespace vllm::api
