// Splits model output into reasoning (<think>...</think>) and content, incrementally, so a
// tag split across stream deltas ("<thi" + "nk>") is still recognized. Feeding the whole
// text at once gives the same split as feeding it in any pieces (tested).
//
//   qwen3:       output may open with <think>; without it everything is content.
//   deepseek_r1: the prompt already opened <think>, so output starts inside reasoning
//                (a leading <think> is tolerated and dropped) until </think>.
// Newlines right after </think> are dropped (the models write "</think>\n\n").
// A request whose reasoning never closes (length limit) keeps its text as reasoning.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vllm::api {

enum class ReasoningStyle { kQwen3, kDeepSeekR1 };

std::optional<ReasoningStyle> ParseReasoningStyle(std::string_view name);

class ReasoningParser {
 public:
  explicit ReasoningParser(ReasoningStyle style) : style_(style) {}

  struct Delta {
    std::string reasoning;
    std::string content;
  };
  Delta Feed(std::string_view text);
  Delta Finish();  // releases bytes held back as a possible partial tag

 private:
  enum class State { kStart, kReasoning, kContent };
  ReasoningStyle style_;
  State state_ = State::kStart;
  bool after_close_ = false;  // dropping newlines after </think>
  std::string held_;
};

}  // namespace vllm::api
