#include "api/responses_request.h"

#include <gtest/gtest.h>

namespace vllm::api {
namespace {

Result<ResponsesRequest> Parse(const char* text) {
  return ParseResponsesRequest(Json::parse(text), RequestLimits{});
}

void ExpectBad(const char* body, const std::string& needle) {
  const Status st = Parse(body).status();
  EXPECT_FALSE(st.ok()) << body;
  EXPECT_NE(st.message().find(needle), std::string::npos)
      << "message '" << st.message() << "' lacks '" << needle << "'";
}

TEST(ResponsesRequest, ItemsBecomeTheChatConversation) {
  auto r = Parse(R"({"instructions": "be brief", "input": [
      {"role": "user", "content": [{"type": "input_text", "text": "Hi "}, {"type": "input_text", "text": "there"}]},
      {"type": "reasoning", "summary": [], "content": [{"type": "reasoning_text", "text": "think"}]},
      {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{\"x\": 1}"},
      {"type": "function_call", "call_id": "c2", "name": "g", "arguments": "{}"},
      {"type": "function_call_output", "call_id": "c1", "output": "42"},
      {"type": "function_call_output", "call_id": "c2", "output": [{"type": "input_text", "text": "ok"}]},
      {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "done"}]}],
    "max_output_tokens": 9, "temperature": 0.5, "top_p": 0.9})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Json& m = r->messages;
  ASSERT_EQ(m.size(), 6u);
  EXPECT_EQ(m[0], Json({{"role", "system"}, {"content", "be brief"}}));
  EXPECT_EQ(m[1]["content"], "Hi there");
  // Both calls join one assistant turn, which carries the reasoning that preceded them.
  EXPECT_EQ(m[2]["role"], "assistant");
  EXPECT_EQ(m[2]["reasoning_content"], "think");
  ASSERT_EQ(m[2]["tool_calls"].size(), 2u);
  EXPECT_EQ(m[2]["tool_calls"][0]["id"], "c1");
  EXPECT_EQ(m[2]["tool_calls"][0]["function"]["arguments"],
            Json({{"x", 1}}));  // parsed for templates
  EXPECT_EQ(m[3], Json({{"role", "tool"}, {"tool_call_id", "c1"}, {"content", "42"}}));
  EXPECT_EQ(m[4]["content"], "ok");
  EXPECT_EQ(m[5], Json({{"role", "assistant"}, {"content", "done"}}));
  EXPECT_EQ(r->params.max_tokens, 9);
  EXPECT_TRUE(r->max_tokens_given);
  EXPECT_FLOAT_EQ(r->params.temperature, 0.5f);
  EXPECT_EQ(r->instructions, "be brief");
}

TEST(ResponsesRequest, ToolsToolChoiceAndTextFormat) {
  auto r = Parse(
      R"({"input": "hi", "tools": [{"type": "function", "name": "f", "parameters": {"type": "object"}}],
                     "tool_choice": {"type": "function", "name": "f"}, "parallel_tool_calls": false})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->tools[0]["function"]["name"], "f");
  EXPECT_TRUE(r->forced_tool.required);
  EXPECT_EQ(r->forced_tool.function_name, "f");
  EXPECT_FALSE(r->forced_tool.parallel);
  auto s = Parse(
      R"({"input": "hi", "text": {"format": {"type": "json_schema", "name": "x", "strict": true,
                     "schema": {"type": "object", "properties": {"a": {"type": "integer"}}}}}})");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->params.structured.kind, StructuredOutput::Kind::kJsonSchema);
  EXPECT_EQ(Json::parse(s->params.structured.spec)["properties"]["a"]["type"], "integer");
  EXPECT_EQ(s->text_echo["format"]["name"], "x");
  auto o = Parse(R"({"input": "hi", "text": {"format": {"type": "json_object"}}})");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->params.structured.kind, StructuredOutput::Kind::kJsonObject);
  auto none = Parse(
      R"({"input": "hi", "tools": [{"type": "function", "name": "f"}], "tool_choice": "none"})");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->tools_enabled);
}

TEST(ResponsesRequest, StatefulAndUnsupportedFieldsAre400) {
  ExpectBad(R"({"input": "hi", "previous_response_id": "resp_1"})", "stateless");
  ExpectBad(R"({"input": "hi", "conversation": {"id": "c"}})", "stateless");
  ExpectBad(R"({"input": "hi", "background": true})", "stateless");
  ExpectBad(R"({"input": "hi", "prompt": {"id": "p"}})", "stored prompt");
  ExpectBad(R"({"input": [{"type": "item_reference", "id": "msg_1"}]})", "item_reference");
  ExpectBad(R"({"input": [{"type": "web_search_call", "id": "w"}]})", "web_search_call");
  ExpectBad(R"({"input": [{"role": "user", "content": [{"type": "input_file", "file_id": "f"}]}]})",
            "input_file");
  ExpectBad(R"({"input": [{"role": "tool", "content": "x"}]})", "'input[0].role' is 'tool'");
  ExpectBad(R"({"input": [{"type": "function_call", "name": "f", "arguments": {"x": 1}}]})",
            "JSON text");
  ExpectBad(R"({"input": 3})", "'input' must be a string or a list");
  ExpectBad(R"({"input": []})", "must not be empty");
  ExpectBad(R"({"input": "hi", "tools": [{"type": "file_search"}]})", "function tools only");
  ExpectBad(R"({"input": "hi", "tool_choice": "required"})", "tools");
  ExpectBad(R"({"input": "hi", "tool_choice": {"type": "allowed_tools"}})", "tool_choice");
  ExpectBad(R"({"input": "hi", "text": {"format": {"type": "json_schema", "name": "x"}}})",
            "'text.format' json_schema needs a 'schema'");
  ExpectBad(R"({"input": "hi", "text": {"format": {"type": "json_schema", "schema": 3}}})",
            "'text.format.schema'");
  ExpectBad(R"({"input": "hi", "text": {"format": {"type": "yaml"}}})",
            "unknown 'text.format' type");
  ExpectBad(R"({"input": "hi", "max_tokens": 3})", "use 'max_output_tokens'");
  ExpectBad(R"({"input": "hi", "max_output_tokens": 0})", "'max_output_tokens' must be at least 1");
  ExpectBad(R"({"input": "hi", "n": 2})", "'n' must be 1");
  ExpectBad(
      R"({"input": "hi", "tools": [{"type": "function", "name": "f"}], "tool_choice": "required",
                "text": {"format": {"type": "json_object"}}})",
      "cannot both");
}

}  // namespace
}  // namespace vllm::api
