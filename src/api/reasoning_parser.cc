#include "api/reasoning_parser.h"

#include "api/partial_tag.h"

namespace vllm::api {

namespace {
constexpr std::string_view kOpen = "<think>";
constexpr std::string_view kClose = "</think>";
}  // namespace

std::optional<ReasoningStyle> ParseReasoningStyle(std::string_view name) {
  if (name == "qwen3") return ReasoningStyle::kQwen3;
  if (name == "deepseek_r1") return ReasoningStyle::kDeepSeekR1;
  return std::nullopt;
}

ReasoningParser::Delta ReasoningParser::Feed(std::string_view text) {
  Delta d;
  held_.append(text);
  while (!held_.empty()) {
    if (state_ == State::kStart) {
      // Leading whitespace before the opening tag belongs to neither part.
      const size_t first = held_.find_first_not_of(" \t\r\n");
      if (first == std::string::npos) return d;
      std::string_view rest = std::string_view(held_).substr(first);
      if (rest.substr(0, kOpen.size()) == kOpen) {
        held_.erase(0, first + kOpen.size());
        state_ = State::kReasoning;
        continue;
      }
      if (rest.size() < kOpen.size() && kOpen.substr(0, rest.size()) == rest) return d;  // maybe "<thi"
      state_ = style_ == ReasoningStyle::kDeepSeekR1 ? State::kReasoning : State::kContent;
      continue;
    }
    if (state_ == State::kReasoning) {
      const size_t close = held_.find(kClose);
      if (close != std::string::npos) {
        d.reasoning += held_.substr(0, close);
        held_.erase(0, close + kClose.size());
        state_ = State::kContent;
        after_close_ = true;
        continue;
      }
      const size_t keep = PartialTagSuffix(held_, kClose);
      d.reasoning += held_.substr(0, held_.size() - keep);
      held_.erase(0, held_.size() - keep);
      return d;
    }
    // kContent
    if (after_close_) {
      const size_t first = held_.find_first_not_of("\r\n");
      if (first == std::string::npos) {
        held_.clear();
        return d;
      }
      held_.erase(0, first);
      after_close_ = false;
    }
    d.content += held_;
    held_.clear();
  }
  return d;
}

ReasoningParser::Delta ReasoningParser::Finish() {
  Delta d;
  if (state_ == State::kStart) {
    // Only whitespace or a partial "<think>" arrived.
    (style_ == ReasoningStyle::kDeepSeekR1 ? d.reasoning : d.content) = held_;
  } else if (state_ == State::kReasoning) {
    d.reasoning = held_;
  } else if (!after_close_) {
    d.content = held_;
  }
  held_.clear();
  return d;
}

}  // namespace vllm::api
