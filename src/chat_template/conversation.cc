#include "chat_template/conversation.h"

#include "chat_template/chat_context.h"
#include "chat_template/chat_template.h"

namespace vllm {

Result<Conversation> ParseConversation(const nlohmann::ordered_json& j) {
  Conversation c;
  if (j.is_array()) {
    c.messages = j;
    return c;
  }
  if (!j.is_object()) return InvalidArgument("a conversation is a JSON object or an array of messages");
  auto it = j.find("messages");
  if (it == j.end() || !it->is_array()) return InvalidArgument("'messages' must be an array");
  c.messages = *it;
  if (auto t = j.find("tools"); t != j.end() && !t->is_null()) {
    if (!t->is_array()) return InvalidArgument("'tools' must be an array");
    c.tools = *t;
  }
  if (auto g = j.find("add_generation_prompt"); g != j.end()) {
    if (!g->is_boolean()) return InvalidArgument("'add_generation_prompt' must be a boolean");
    c.add_generation_prompt = g->get<bool>();
  }
  if (auto k = j.find("chat_template_kwargs"); k != j.end() && !k->is_null()) {
    if (!k->is_object()) return InvalidArgument("'chat_template_kwargs' must be an object");
    c.template_kwargs = *k;
  }
  return c;
}

Result<std::string> RenderConversation(const Tokenizer& tokenizer, const Conversation& conv) {
  if (tokenizer.chat_template().empty())
    return InvalidArgument("the tokenizer has no chat template (tokenizer_config.json 'chat_template')");
  ChatTemplateInputs in;
  in.messages = conv.messages;
  in.tools = conv.tools;
  in.add_generation_prompt = conv.add_generation_prompt;
  in.extra_kwargs = conv.template_kwargs;
  if (!tokenizer.bos_token().empty()) in.special_tokens["bos_token"] = tokenizer.bos_token();
  if (!tokenizer.eos_token().empty()) in.special_tokens["eos_token"] = tokenizer.eos_token();
  ASSIGN_OR_RETURN(nlohmann::ordered_json context, BuildChatTemplateContext(std::move(in)));
  // Parsing per call costs microseconds next to a request; callers rendering often may cache.
  ASSIGN_OR_RETURN(ChatTemplate tmpl, ChatTemplate::Parse(tokenizer.chat_template()));
  return tmpl.Render(context);
}

}  // namespace vllm
