#include "api/chat_prompt.h"

namespace vllm::api {

bool ThinkingEnabled(const Json& kwargs) {
  auto it = kwargs.find("enable_thinking");
  return it == kwargs.end() || !it->is_boolean() || it->get<bool>();
}

Result<std::string> RenderChatPrompt(const ChatTemplate& tmpl, const Tokenizer& tok, const ChatPromptInput& in) {
  Json ctx = Json::object();
  // Extra kwargs first so the fixed names below cannot be overridden by a request.
  for (auto it = in.template_kwargs.begin(); it != in.template_kwargs.end(); ++it) ctx[it.key()] = it.value();
  ctx["messages"] = *in.messages;
  if (in.tools && !in.tools->is_null() && !in.tools->empty()) ctx["tools"] = *in.tools;
  ctx["add_generation_prompt"] = in.add_generation_prompt && !in.continue_final_message;
  ctx["bos_token"] = tok.bos_token();
  ctx["eos_token"] = tok.eos_token();
  auto text = tmpl.Render(ctx);
  if (!text.ok()) return InvalidArgument("chat template: " + text.status().message());
  if (!in.continue_final_message) return text;
  // Continue the last (assistant) message: drop whatever the template appends after its
  // content (end-of-turn tokens), as transformers' continue_final_message does.
  const Json& last = in.messages->back()["content"];
  const std::string content = last.is_string() ? last.get<std::string>() : "";
  std::string& s = text.value();
  const size_t pos = content.empty() ? std::string::npos : s.rfind(content);
  if (pos == std::string::npos)
    return InvalidArgument("continue_final_message: the final message's content is not in the rendered prompt");
  s.resize(pos + content.size());
  return text;
}

}  // namespace vllm::api
