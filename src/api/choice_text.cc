#include "api/choice_text.h"

namespace vllm::api {

void ChoiceDelta::Append(const ChoiceDelta& d) {
  reasoning += d.reasoning;
  content += d.content;
  tool_calls.insert(tool_calls.end(), d.tool_calls.begin(), d.tool_calls.end());
}

ChoiceText::ChoiceText(std::optional<ReasoningStyle> reasoning, bool parse_tools) {
  if (reasoning) reasoning_ = std::make_unique<ReasoningParser>(*reasoning);
  if (parse_tools) tools_ = std::make_unique<ToolCallStreamFilter>();
}

ChoiceDelta ChoiceText::Route(ReasoningParser::Delta d) {
  ChoiceDelta out;
  out.reasoning = std::move(d.reasoning);
  out.content = tools_ ? tools_->Feed(d.content) : std::move(d.content);
  return out;
}

ChoiceDelta ChoiceText::Feed(std::string_view text) {
  if (reasoning_) return Route(reasoning_->Feed(text));
  return Route({.reasoning = "", .content = std::string(text)});
}

ChoiceDelta ChoiceText::Finish() {
  ChoiceDelta out = reasoning_ ? Route(reasoning_->Finish()) : ChoiceDelta{};
  if (tools_) {
    ToolCallParse p = tools_->Finish();
    out.content += p.content;
    out.tool_calls = std::move(p.calls);
  }
  return out;
}

}  // namespace vllm::api
