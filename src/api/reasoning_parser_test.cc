#include "api/reasoning_parser.h"

#include <gtest/gtest.h>

#include <random>

namespace vllm::api {
namespace {

struct Split {
  std::string reasoning, content;
};

Split FeedPieces(ReasoningStyle style, const std::vector<std::string>& pieces) {
  ReasoningParser p(style);
  Split s;
  for (const auto& piece : pieces) {
    auto d = p.Feed(piece);
    s.reasoning += d.reasoning;
    s.content += d.content;
  }
  auto d = p.Finish();
  s.reasoning += d.reasoning;
  s.content += d.content;
  return s;
}

// Every split of `text` into 1..3 pieces at every byte position gives the same result.
void ExpectSplitInvariant(ReasoningStyle style, const std::string& text, const Split& want) {
  const Split whole = FeedPieces(style, {text});
  EXPECT_EQ(whole.reasoning, want.reasoning) << text;
  EXPECT_EQ(whole.content, want.content) << text;
  for (size_t i = 0; i <= text.size(); ++i)
    for (size_t j = i; j <= text.size(); ++j) {
      const Split s = FeedPieces(style, {text.substr(0, i), text.substr(i, j - i), text.substr(j)});
      ASSERT_EQ(s.reasoning, want.reasoning) << "split at " << i << "," << j << " of " << text;
      ASSERT_EQ(s.content, want.content) << "split at " << i << "," << j << " of " << text;
    }
}

TEST(ReasoningParser, Qwen3ThinkThenAnswer) {
  ExpectSplitInvariant(ReasoningStyle::kQwen3, "<think>\nLet me see.\n</think>\n\nThe answer is 4.",
                       {"\nLet me see.\n", "The answer is 4."});
}

TEST(ReasoningParser, Qwen3NoThinkIsAllContent) {
  ExpectSplitInvariant(ReasoningStyle::kQwen3, "Hello <b>there</b> <thin", {"", "Hello <b>there</b> <thin"});
}

TEST(ReasoningParser, Qwen3UnclosedThinkStaysReasoning) {
  ExpectSplitInvariant(ReasoningStyle::kQwen3, "<think>still thinking </thi", {"still thinking </thi", ""});
}

TEST(ReasoningParser, Qwen3EmptyThinkBlock) {
  ExpectSplitInvariant(ReasoningStyle::kQwen3, "<think>\n\n</think>\n\nHi", {"\n\n", "Hi"});
}

TEST(ReasoningParser, DeepSeekStartsInsideReasoning) {
  ExpectSplitInvariant(ReasoningStyle::kDeepSeekR1, "I should add.</think>Sum: 5", {"I should add.", "Sum: 5"});
  ExpectSplitInvariant(ReasoningStyle::kDeepSeekR1, "<think>x</think>y", {"x", "y"});
}

TEST(ReasoningParser, TextAfterCloseKeepsLaterTags) {
  // A second <think> in the answer is content, not a new reasoning section.
  ExpectSplitInvariant(ReasoningStyle::kQwen3, "<think>a</think>b<think>c</think>", {"a", "b<think>c</think>"});
}

TEST(ReasoningParser, RandomSplitsOfMultibyteText) {
  const std::string text = "<think>héllo wörld 你好</think>\n答案是 42 ✓";
  std::mt19937 rng(7);
  const Split want = FeedPieces(ReasoningStyle::kQwen3, {text});
  EXPECT_EQ(want.reasoning, "héllo wörld 你好");
  EXPECT_EQ(want.content, "答案是 42 ✓");
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<std::string> pieces;
    size_t pos = 0;
    while (pos < text.size()) {
      const size_t len = std::min(text.size() - pos, static_cast<size_t>(rng() % 5));
      pieces.push_back(text.substr(pos, len));
      pos += len;
    }
    const Split s = FeedPieces(ReasoningStyle::kQwen3, pieces);
    ASSERT_EQ(s.reasoning, want.reasoning);
    ASSERT_EQ(s.content, want.content);
  }
}

TEST(ReasoningParser, StyleNames) {
  EXPECT_EQ(ParseReasoningStyle("qwen3"), ReasoningStyle::kQwen3);
  EXPECT_EQ(ParseReasoningStyle("deepseek_r1"), ReasoningStyle::kDeepSeekR1);
  EXPECT_FALSE(ParseReasoningStyle("qwen").has_value());
}

}  // namespace
}  // namespace vllm::api
