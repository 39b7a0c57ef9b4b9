#include "api/sse.h"

#include <gtest/gtest.h>

#include "api/anthropic_response.h"
#include "api/json_fields.h"

namespace vllm::api {
namespace {

TEST(Sse, DataFrame) {
  EXPECT_EQ(SseData(R"({"a":1})"), "data: {\"a\":1}\n\n");
  EXPECT_EQ(std::string(kSseDone), "data: [DONE]\n\n");
}

TEST(Sse, EventFrame) { EXPECT_EQ(SseEvent("message_stop", "{}"), "event: message_stop\ndata: {}\n\n"); }

TEST(Sse, JsonWithNewlinesStaysOneDataLine) {
  // Payload newlines must be escaped by the JSON dump, or SSE would split the event.
  const std::string frame = SseData(Dump(Json{{"text", "a\nb\r\nc"}}));
  EXPECT_EQ(frame.find('\n'), frame.size() - 2);
}

// Splits an SSE byte stream into (event, data) pairs, checking the framing strictly.
std::vector<std::pair<std::string, Json>> ParseEvents(const std::string& s) {
  std::vector<std::pair<std::string, Json>> out;
  size_t pos = 0;
  while (pos < s.size()) {
    const size_t end = s.find("\n\n", pos);
    EXPECT_NE(end, std::string::npos);
    const std::string frame = s.substr(pos, end - pos);
    pos = end + 2;
    const size_t nl = frame.find('\n');
    EXPECT_EQ(frame.rfind("event: ", 0), 0u);
    const std::string name = frame.substr(7, nl - 7);
    EXPECT_EQ(frame.compare(nl + 1, 6, "data: "), 0);
    out.emplace_back(name, Json::parse(frame.substr(nl + 7)));
  }
  return out;
}

TEST(AnthropicEvents, SequenceWithThinkingTextAndToolUse) {
  AnthropicEventWriter w("msg_1", "m");
  std::string s;
  w.Start(Usage{.prompt_tokens = 12}, &s);
  w.Delta({.reasoning = "hm", .content = "", .tool_calls = {}}, &s);
  w.Delta({.reasoning = "", .content = "Hi", .tool_calls = {}}, &s);
  w.Delta({.reasoning = "", .content = " there", .tool_calls = {{"call_x", "f", "{\"a\":1}"}}}, &s);
  w.Finish({"tool_use", ""}, {.prompt_tokens = 12, .completion_tokens = 5, .cached_prompt_tokens = 0}, &s);
  const auto ev = ParseEvents(s);
  std::vector<std::string> names;
  for (const auto& e : ev) names.push_back(e.first);
  const std::vector<std::string> want = {"message_start", "content_block_start", "content_block_delta", "content_block_stop",
                                         "content_block_start", "content_block_delta", "content_block_delta",
                                         "content_block_stop", "content_block_start", "content_block_delta",
                                         "content_block_stop", "message_delta", "message_stop"};
  EXPECT_EQ(names, want);
  for (const auto& [name, data] : ev) EXPECT_EQ(data["type"], name);
  EXPECT_EQ(ev[0].second["message"]["usage"]["input_tokens"], 12);
  EXPECT_EQ(ev[1].second["content_block"]["type"], "thinking");
  EXPECT_EQ(ev[4].second["index"], 1);
  EXPECT_EQ(ev[4].second["content_block"]["type"], "text");
  EXPECT_EQ(ev[8].second["content_block"]["type"], "tool_use");
  EXPECT_EQ(ev[8].second["content_block"]["id"], "toolu_x");
  EXPECT_EQ(ev[9].second["delta"]["partial_json"], "{\"a\":1}");
  EXPECT_EQ(ev[11].second["delta"]["stop_reason"], "tool_use");
  EXPECT_EQ(ev[11].second["usage"]["output_tokens"], 5);
}

TEST(AnthropicEvents, EmptyOutputStillHasOneBlock) {
  AnthropicEventWriter w("msg_2", "m");
  std::string s;
  w.Start(Usage{.prompt_tokens = 3}, &s);
  w.Finish({"end_turn", ""}, {}, &s);
  const auto ev = ParseEvents(s);
  ASSERT_EQ(ev.size(), 5u);
  EXPECT_EQ(ev[1].first, "content_block_start");
  EXPECT_EQ(ev[2].first, "content_block_stop");
}

}  // namespace
}  // namespace vllm::api
