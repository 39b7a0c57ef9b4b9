// The text pipeline of one chat choice: engine text deltas -> reasoning parser (when on)
// -> tool-call filter (when the request has tools) -> reasoning / content / tool calls.
// Non-streaming responses run the same pipeline and concatenate, so a greedy stream and
// a greedy non-stream response say exactly the same thing.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/reasoning_parser.h"
#include "api/tool_call_parser.h"

namespace vllm::api {

struct ChoiceDelta {
  std::string reasoning;
  std::string content;
  std::vector<ToolCall> tool_calls;  // only from Finish()
  bool empty() const { return reasoning.empty() && content.empty() && tool_calls.empty(); }
  void Append(const ChoiceDelta& d);
};

class ChoiceText {
 public:
  ChoiceText(std::optional<ReasoningStyle> reasoning, bool parse_tools);
  ChoiceDelta Feed(std::string_view text);
  ChoiceDelta Finish();

 private:
  ChoiceDelta Route(ReasoningParser::Delta d);
  std::unique_ptr<ReasoningParser> reasoning_;
  std::unique_ptr<ToolCallStreamFilter> tools_;
};

}  // namespace vllm::api
