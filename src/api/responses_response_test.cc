#include "api/responses_response.h"

#include <gtest/gtest.h>

namespace vllm::api {
namespace {

// Events of a stream that reasons, answers and calls a tool: one item after the other,
// output_index counting items, sequence numbers counting events.
TEST(ResponsesEventWriter, ItemsOpenAndCloseInOrder) {
  ResponsesEventWriter w(
      Json{{"id", "resp_1"}, {"status", "in_progress"}, {"output", Json::array()}});
  std::string out;
  w.Start(&out);
  w.Delta(ChoiceDelta{.reasoning = "hm", .content = "", .tool_calls = {}}, &out);
  w.Delta(ChoiceDelta{.reasoning = "m", .content = "", .tool_calls = {}}, &out);
  w.Delta(ChoiceDelta{.reasoning = "", .content = "Hi", .tool_calls = {}}, &out);
  w.Finish({ToolCall{.id = "call_1", .name = "f", .arguments = "{}"}},
           ResponseEnd{.reason = FinishReason::kStop,
                       .usage = {.prompt_tokens = 5, .completion_tokens = 7},
                       .reasoning_tokens = 2},
           &out);
  std::vector<Json> events;
  for (size_t at = 0; (at = out.find("data: ", at)) != std::string::npos;) {
    const size_t end = out.find('\n', at);
    events.push_back(Json::parse(out.substr(at + 6, end - at - 6)));
    at = end;
  }
  std::vector<std::string> types;
  for (size_t i = 0; i < events.size(); ++i) {
    types.push_back(events[i]["type"]);
    EXPECT_EQ(events[i]["sequence_number"], i);
  }
  const std::vector<std::string> want = {"response.created",
                                         "response.in_progress",
                                         "response.output_item.added",
                                         "response.content_part.added",
                                         "response.reasoning_text.delta",
                                         "response.reasoning_text.delta",
                                         "response.reasoning_text.done",
                                         "response.content_part.done",
                                         "response.output_item.done",
                                         "response.output_item.added",
                                         "response.content_part.added",
                                         "response.output_text.delta",
                                         "response.output_text.done",
                                         "response.content_part.done",
                                         "response.output_item.done",
                                         "response.output_item.added",
                                         "response.function_call_arguments.delta",
                                         "response.function_call_arguments.done",
                                         "response.output_item.done",
                                         "response.completed"};
  EXPECT_EQ(types, want);
  EXPECT_EQ(events[6]["text"], "hmm");
  EXPECT_EQ(events[11]["output_index"], 1);
  EXPECT_EQ(events[16]["output_index"], 2);
  const Json& done = events.back()["response"];
  EXPECT_EQ(done["status"], "completed");
  ASSERT_EQ(done["output"].size(), 3u);
  EXPECT_EQ(done["output"][0]["content"][0]["text"], "hmm");
  EXPECT_EQ(done["output"][1]["content"][0]["text"], "Hi");
  EXPECT_EQ(done["output"][2]["call_id"], "call_1");
  EXPECT_EQ(done["usage"]["total_tokens"], 12);
  EXPECT_EQ(done["usage"]["output_tokens_details"]["reasoning_tokens"], 2);
  // The non-streaming body lists the same items.
  const Json items = ResponseOutputItems(
      ChoiceDelta{.reasoning = "hmm",
                  .content = "Hi",
                  .tool_calls = {ToolCall{.id = "call_1", .name = "f", .arguments = "{}"}}},
      FinishReason::kStop);
  ASSERT_EQ(items.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(items[i]["type"], done["output"][i]["type"]);
  for (size_t i = 0; i < 2; ++i) EXPECT_EQ(items[i].at("content"), done["output"][i].at("content"));
  EXPECT_EQ(items[2].at("arguments"), done["output"][2].at("arguments"));
}

TEST(ResponsesEventWriter, LengthEndsIncomplete) {
  ResponsesEventWriter w(Json{{"id", "resp_1"}, {"output", Json::array()}});
  std::string out;
  w.Start(&out);
  w.Finish({}, ResponseEnd{.reason = FinishReason::kLength, .usage = {}, .reasoning_tokens = 0},
           &out);
  // An empty message still opens and closes, as the non-streaming body has it.
  EXPECT_NE(out.find("event: response.output_item.added"), std::string::npos);
  EXPECT_NE(out.find("event: response.incomplete"), std::string::npos);
  EXPECT_NE(out.find(R"("incomplete_details":{"reason":"max_output_tokens"})"), std::string::npos);
  EXPECT_EQ(out.find("response.completed"), std::string::npos);
}

}  // namespace
}  // namespace vllm::api
