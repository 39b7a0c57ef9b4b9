#include "chat_template/chat_context.h"

namespace vllm {
namespace {

using ojson = nlohmann::ordered_json;

// Moves from `message`: request JSON is never deep-copied on its way to the template.
ojson NormalizeMessage(ojson& message) {
  ojson out = ojson::object();
  for (auto it = message.begin(); it != message.end(); ++it) {
    if (!it.value().is_null()) out[it.key()] = std::move(it.value());
  }
  const ojson* reasoning = nullptr;
  for (const char* key : {"reasoning_content", "thinking", "reasoning"}) {
    if (out.contains(key)) {
      reasoning = &out[key];
      break;
    }
  }
  if (!reasoning) return out;
  // Python: {"thinking": r, **message, "reasoning_content": r}
  ojson value = *reasoning;
  ojson aliased = ojson::object();
  aliased["thinking"] = value;
  // An existing `thinking` keeps its own value but moves first, like the dict literal.
  for (auto it = out.begin(); it != out.end(); ++it) aliased[it.key()] = std::move(it.value());
  aliased["reasoning_content"] = value;
  return aliased;
}

}  // namespace

Result<ojson> BuildChatTemplateContext(ChatTemplateInputs inputs) {
  if (!inputs.messages.is_array()) return InvalidArgument("chat template: messages must be an array");
  if (!inputs.tools.is_null() && !inputs.tools.is_array()) {
    return InvalidArgument("chat template: tools must be null or an array");
  }
  if (!inputs.special_tokens.is_object() || !inputs.extra_kwargs.is_object()) {
    return InvalidArgument("chat template: special_tokens and extra_kwargs must be objects");
  }
  ojson context = ojson::object();
  for (auto it = inputs.special_tokens.begin(); it != inputs.special_tokens.end(); ++it) context[it.key()] = it.value();
  // Request kwargs override special tokens, as in transformers.
  for (auto it = inputs.extra_kwargs.begin(); it != inputs.extra_kwargs.end(); ++it)
    context[it.key()] = std::move(it.value());
  ojson messages = ojson::array();
  for (size_t i = 0; i < inputs.messages.size(); ++i) {
    ojson& m = inputs.messages[i];
    if (!m.is_object()) {
      return InvalidArgument("chat template: messages[" + std::to_string(i) + "] must be an object");
    }
    messages.push_back(NormalizeMessage(m));
  }
  context["messages"] = std::move(messages);
  context["tools"] = std::move(inputs.tools);
  context["documents"] = nullptr;
  context["add_generation_prompt"] = inputs.add_generation_prompt;
  return context;
}

}  // namespace vllm
