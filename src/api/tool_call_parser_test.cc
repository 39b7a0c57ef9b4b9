#include "api/tool_call_parser.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace vllm::api {
namespace {

nlohmann::json Args(const ToolCall& c) { return nlohmann::json::parse(c.arguments); }

TEST(ToolCallParser, HermesSingleCall) {
  const auto p = ParseToolCalls("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"days\": 3}}\n</tool_call>");
  ASSERT_EQ(p.calls.size(), 1u);
  EXPECT_EQ(p.calls[0].name, "get_weather");
  EXPECT_EQ(Args(p.calls[0]), (nlohmann::json{{"city", "Paris"}, {"days", 3}}));
  EXPECT_EQ(p.calls[0].id.rfind("call_", 0), 0u);
  EXPECT_EQ(p.content, "");
}

TEST(ToolCallParser, HermesTwoCallsWithTextAndUnterminatedLast) {
  const auto p = ParseToolCalls(
      "Let me check.\n<tool_call>{\"name\": \"a\", \"arguments\": {}}</tool_call>\n"
      "<tool_call>{\"name\": \"b\", \"arguments\": {\"x\": [1, 2]}}");
  ASSERT_EQ(p.calls.size(), 2u);
  EXPECT_EQ(p.calls[0].name, "a");
  EXPECT_EQ(p.calls[1].name, "b");
  EXPECT_EQ(Args(p.calls[1]), (nlohmann::json{{"x", {1, 2}}}));
  EXPECT_EQ(p.content, "Let me check.");
  EXPECT_NE(p.calls[0].id, p.calls[1].id);
}

TEST(ToolCallParser, BrokenJsonStaysContent) {
  const std::string text = "<tool_call>{\"name\": \"a\", \"arguments\": {</tool_call>";
  const auto p = ParseToolCalls(text);
  EXPECT_TRUE(p.calls.empty());
  EXPECT_EQ(p.content, text);
}

TEST(ToolCallParser, Llama3JsonAndPythonTag) {
  auto p = ParseToolCalls(" {\"name\": \"search\", \"parameters\": {\"q\": \"a;b\"}} ");
  ASSERT_EQ(p.calls.size(), 1u);
  EXPECT_EQ(p.calls[0].name, "search");
  EXPECT_EQ(Args(p.calls[0]), (nlohmann::json{{"q", "a;b"}}));
  p = ParseToolCalls("<|python_tag|>{\"name\": \"f\", \"parameters\": {}}; {\"name\": \"g\", \"arguments\": {\"k\": \"}\"}}");
  ASSERT_EQ(p.calls.size(), 2u);
  EXPECT_EQ(p.calls[1].name, "g");
  EXPECT_EQ(Args(p.calls[1]), (nlohmann::json{{"k", "}"}}));
}

TEST(ToolCallParser, PlainJsonWithoutNameIsContent) {
  const auto p = ParseToolCalls("{\"answer\": 42}");
  EXPECT_TRUE(p.calls.empty());
  EXPECT_EQ(p.content, "{\"answer\": 42}");
}

TEST(ToolCallParser, StringArgumentsPassThrough) {
  const auto p = ParseToolCalls("<tool_call>{\"name\": \"f\", \"arguments\": \"{\\\"a\\\": 1}\"}</tool_call>");
  ASSERT_EQ(p.calls.size(), 1u);
  EXPECT_EQ(p.calls[0].arguments, "{\"a\": 1}");
}

std::pair<std::string, ToolCallParse> Stream(const std::vector<std::string>& pieces) {
  ToolCallStreamFilter f;
  std::string streamed;
  for (const auto& piece : pieces) streamed += f.Feed(piece);
  return {streamed, f.Finish()};
}

TEST(ToolCallStreamFilter, ContentStreamsUntilTagSplitAcrossDeltas) {
  auto [streamed, fin] = Stream({"Sure, ", "calling <tool", "_call>{\"name\": \"f\", ", "\"arguments\": {\"a\": 1}}</tool_call>"});
  EXPECT_EQ(streamed, "Sure, calling ");
  ASSERT_EQ(fin.calls.size(), 1u);
  EXPECT_EQ(fin.calls[0].name, "f");
  EXPECT_EQ(fin.content, "");
}

TEST(ToolCallStreamFilter, NoCallsReleasesEverything) {
  auto [streamed, fin] = Stream({"a <b> ", "<tool", " c"});
  EXPECT_EQ(streamed + fin.content, "a <b> <tool c");
  EXPECT_TRUE(fin.calls.empty());
}

TEST(ToolCallStreamFilter, LeadingBraceIsBufferedAsLlama3) {
  auto [streamed, fin] = Stream({" {\"name\": ", "\"f\", \"parameters\": {}}"});
  EXPECT_EQ(streamed, "");
  ASSERT_EQ(fin.calls.size(), 1u);
  EXPECT_EQ(fin.calls[0].name, "f");
}

}  // namespace
}  // namespace vllm::api
