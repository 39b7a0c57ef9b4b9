// Tool calls in model output -> OpenAI tool_calls. Two formats:
//   Qwen / Hermes: <tool_call>{"name": "f", "arguments": {...}}</tool_call>, any number,
//                  with ordinary text around them (which stays content);
//   Llama 3 JSON:  the whole output is {"name": "f", "parameters": {...}} (optionally after
//                  <|python_tag|>), or several such objects separated by ';'.
// Text that does not parse as a call stays content, so a model that merely mentions
// <tool_call> loses nothing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vllm::api {

struct ToolCall {
  std::string id;         // call_<random>
  std::string name;
  std::string arguments;  // JSON text of the arguments object (OpenAI sends it as a string)
};

struct ToolCallParse {
  std::string content;  // text outside the calls (trimmed when calls were found)
  std::vector<ToolCall> calls;
};

ToolCallParse ParseToolCalls(std::string_view text);

// Streaming front of ParseToolCalls: passes content through until a tool call may have
// begun, then buffers the rest for Finish(). Output that starts with '{' or <|python_tag|>
// (Llama 3 JSON) is buffered whole.
class ToolCallStreamFilter {
 public:
  std::string Feed(std::string_view text);  // content that is safe to emit now
  ToolCallParse Finish();                   // calls (and leftover content) of the buffered text

 private:
  enum class State { kStart, kStreaming, kBuffering };
  State state_ = State::kStart;
  std::string held_;
};

}  // namespace vllm::api
