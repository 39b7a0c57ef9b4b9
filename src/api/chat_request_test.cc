#include "api/chat_request.h"

#include <gtest/gtest.h>

#include "api/anthropic_request.h"
#include "api/completion_request.h"

namespace vllm::api {
namespace {

Json Body(const char* text) { return Json::parse(text); }

Status ChatStatus(const char* body, RequestLimits limits = {}) { return ParseChatRequest(Body(body), limits).status(); }

void ExpectBad(const char* body, const std::string& needle, RequestLimits limits = {}) {
  const Status st = ChatStatus(body, limits);
  EXPECT_FALSE(st.ok()) << body;
  EXPECT_NE(st.message().find(needle), std::string::npos) << "message '" << st.message() << "' lacks '" << needle << "'";
}

TEST(ChatRequest, FullRequestParses) {
  auto r = ParseChatRequest(Body(R"({
    "model": "m", "messages": [
      {"role": "developer", "content": "be brief"},
      {"role": "user", "content": [{"type": "text", "text": "Hi "}, {"type": "text", "text": "there"}]},
      {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function",
        "function": {"name": "f", "arguments": "{\"x\": 1}"}}]},
      {"role": "tool", "tool_call_id": "c1", "content": "42"}],
    "temperature": 0.5, "top_p": 0.9, "top_k": 5, "min_p": 0.1, "seed": 7, "n": 2, "stop": "END",
    "stop_token_ids": [1, 2], "max_completion_tokens": 30, "min_tokens": 2, "ignore_eos": true,
    "logit_bias": {"15": -100, "16": 5}, "logprobs": true, "top_logprobs": 3, "stream": true,
    "stream_options": {"include_usage": true}, "tools": [{"type": "function", "function": {"name": "f"}}],
    "tool_choice": "auto", "chat_template_kwargs": {"enable_thinking": false}})"),
                            {});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->messages[0]["role"], "system");
  EXPECT_EQ(r->messages[1]["content"], "Hi there");
  EXPECT_EQ(r->messages[2]["tool_calls"][0]["function"]["arguments"]["x"], 1);  // parsed for templates
  EXPECT_FLOAT_EQ(r->params.temperature, 0.5f);
  EXPECT_EQ(r->params.top_k, 5);
  EXPECT_EQ(r->params.n, 2);
  EXPECT_EQ(r->params.stop, std::vector<std::string>{"END"});
  EXPECT_EQ(r->params.max_tokens, 30);
  EXPECT_EQ(r->params.min_tokens, 2);
  EXPECT_EQ(r->params.logprobs, 3);
  EXPECT_EQ(r->params.logit_bias.size(), 2u);
  EXPECT_EQ(*r->params.seed, 7u);
  EXPECT_TRUE(r->stream && r->include_usage && r->tools_enabled && r->max_tokens_given);
  EXPECT_EQ(r->chat_template_kwargs["enable_thinking"], false);
}

TEST(ChatRequest, DefaultsFromServer) {
  RequestLimits limits;
  limits.default_max_tokens = 77;
  limits.default_temperature = 0.0f;
  auto r = ParseChatRequest(Body(R"({"messages": [{"role": "user", "content": "x"}]})"), limits);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->params.max_tokens, 77);
  EXPECT_FALSE(r->max_tokens_given);
  EXPECT_FLOAT_EQ(r->params.temperature, 0.0f);
  EXPECT_TRUE(r->add_generation_prompt);
}

TEST(ChatRequest, Rejections) {
  ExpectBad(R"({"model": "m"})", "'messages' is required");
  ExpectBad(R"({"messages": []})", "must not be empty");
  ExpectBad(R"({"messages": "hi"})", "must be a list");
  ExpectBad(R"({"messages": [{"role": "wizard", "content": "x"}]})", "role' is 'wizard'");
  ExpectBad(R"({"messages": [{"role": "user"}]})", "content' is required");
  ExpectBad(R"({"messages": [{"role": "user", "content": [{"type": "image_url"}]}]})", "not supported");
  ExpectBad(R"({"messages": [{"role": "user", "content": "x"}], "temperature": "hot"})", "'temperature' must be a number");
  ExpectBad(R"({"messages": [{"role": "user", "content": "x"}], "max_tokens": 0})", "'max_tokens' must be at least 1");
  ExpectBad(R"({"messages": [{"role": "user", "content": "x"}], "max_tokens": -5})", "at least 1");
  ExpectBad(R"({"messages": [{"role": "user", "content": "x"}], "max_tokens": 2.5})", "an integer");
  RequestLimits small;
  small.max_request_tokens = 100;
  ExpectBad(R"({"messages": [{"role": "user", "content": "x"}], "max_tokens": 101})", "over this server's limit", small);
  ExpectBad(R"({"messages": [{"role": "user", "content": "x"}], "n": 17})", "'n' is 17");
  ExpectBad(R"({"messages": [{"role": "user", "content": "x"}], "logit_bias": {"abc": 1}})", "not a token id");
  ExpectBad(R"({"messages": [{"role": "user", "content": "x"}], "logit_bias": {"5": "x"}})", "must be a number");
  ExpectBad(R"({"messages": [{"role": "user", "content": "x"}], "logit_bias": [1]})", "must be an object");
  ExpectBad(R"({"messages": [{"role": "user", "content": "x"}], "stop": [1]})", "'stop' must be");
  ExpectBad(R"({"messages": [{"role": "user", "content": "x"}], "response_format": {"type": "xml"}})", "unknown response_format");
  ExpectBad(R"({"messages": [{"role": "user", "content": "x"}], "response_format": {"type": "json_schema"}})", "needs a 'json_schema'");
  ExpectBad(R"({"messages": [{"role": "user", "content": "x"}], "tool_choice": "required"})", "no 'tools' were given");
  ExpectBad(R"({"messages": [{"role": "user", "content": "x"}], "tools": [{"type": "function", "function": {"name": "f"}}],
    "tool_choice": {"type": "function", "function": {"name": "g"}}})", "not among the tools");
  ExpectBad(R"({"messages": [{"role": "user", "content": "x"}], "tools": [{"type": "function", "function": {"name": "f"}}],
    "tool_choice": "required", "guided_regex": "a+"})", "cannot both");
  ExpectBad(R"({"messages": [{"role": "user", "content": "x"}], "guided_regex": "a", "guided_choice": ["b"]})", "not both");
  ExpectBad(R"({"messages": [{"role": "user", "content": "x"}], "top_logprobs": 3})", "needs 'logprobs'");
  ExpectBad(R"({"messages": [{"role": "user", "content": "x"}], "continue_final_message": true})", "assistant message last");
  ExpectBad(R"({"messages": [{"role": "user", "content": "x"}], "tools": [{"type": "function"}]})", "'tools' entries");
  ExpectBad(R"({"messages": [{"role": "user", "content": "x"}], "stream": "yes"})", "'stream' must be a boolean");
}

TEST(ParseBody, MalformedAndInvalidUtf8) {
  EXPECT_FALSE(ParseBody("{\"a\": ").ok());
  EXPECT_FALSE(ParseBody("[1, 2]").ok());
  const auto st = ParseBody(std::string("{\"a\": \"\xff\xfe\"}")).status();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("UTF-8"), std::string::npos) << st.message();
  EXPECT_TRUE(ParseBody("{\"a\": \"h\\u00e9\"}").ok());
}

TEST(CompletionRequest, PromptForms) {
  auto r = ParseCompletionRequest(Body(R"({"prompt": ["a", [1, 2, 3]], "n": 2, "echo": true, "max_tokens": 5})"), {});
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->prompts.size(), 2u);
  EXPECT_EQ(std::get<std::string>(r->prompts[0]), "a");
  EXPECT_EQ(std::get<std::vector<int32_t>>(r->prompts[1]), (std::vector<int32_t>{1, 2, 3}));
  EXPECT_TRUE(r->echo);
  r = ParseCompletionRequest(Body(R"({"prompt": [5, 6], "logprobs": 2})"), {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->params.logprobs, 2);
  EXPECT_FALSE(ParseCompletionRequest(Body(R"({"prompt": 5})"), {}).ok());
  EXPECT_FALSE(ParseCompletionRequest(Body(R"({"prompt": ""})"), {}).ok());
  EXPECT_FALSE(ParseCompletionRequest(Body(R"({"prompt": [[]]})"), {}).ok());
  EXPECT_FALSE(ParseCompletionRequest(Body(R"({"prompt": [-1]})"), {}).ok());
  EXPECT_FALSE(ParseCompletionRequest(Body(R"({"prompt": ["a","b","c","d","e"], "n": 4})"), {}).ok());
}

TEST(MessagesRequest, ConvertsBlocksToChatMessages) {
  auto r = ParseMessagesRequest(Body(R"({
    "model": "m", "max_tokens": 10, "system": [{"type": "text", "text": "sys"}],
    "messages": [
      {"role": "user", "content": "What is the weather?"},
      {"role": "assistant", "content": [{"type": "text", "text": "Checking."},
        {"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {"city": "Oslo"}}]},
      {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": [{"type": "text", "text": "cold"}]},
        {"type": "text", "text": "Thanks"}]}],
    "tools": [{"name": "weather", "description": "d", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}],
    "stop_sequences": ["\n\n"], "temperature": 0, "top_k": 3})"),
                                {}, false);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Json& m = r->messages;
  ASSERT_EQ(m.size(), 5u);
  EXPECT_EQ(m[0]["role"], "system");
  EXPECT_EQ(m[0]["content"], "sys");
  EXPECT_EQ(m[2]["tool_calls"][0]["function"]["arguments"]["city"], "Oslo");
  EXPECT_EQ(m[3]["role"], "tool");
  EXPECT_EQ(m[3]["tool_call_id"], "toolu_1");
  EXPECT_EQ(m[3]["content"], "cold");
  EXPECT_EQ(m[4]["content"], "Thanks");
  EXPECT_EQ(r->tools[0]["function"]["parameters"]["properties"]["city"]["type"], "string");
  EXPECT_EQ(r->params.stop, std::vector<std::string>{"\n\n"});
  EXPECT_EQ(r->params.top_k, 3);
}

TEST(MessagesRequest, Rejections) {
  EXPECT_FALSE(ParseMessagesRequest(Body(R"({"messages": [{"role": "user", "content": "x"}]})"), {}, false).ok());
  EXPECT_TRUE(ParseMessagesRequest(Body(R"({"messages": [{"role": "user", "content": "x"}]})"), {}, true).ok());
  EXPECT_FALSE(ParseMessagesRequest(Body(R"({"max_tokens": 5, "messages": [{"role": "system", "content": "x"}]})"), {}, false).ok());
  EXPECT_FALSE(ParseMessagesRequest(Body(R"({"max_tokens": 0, "messages": [{"role": "user", "content": "x"}]})"), {}, false).ok());
  EXPECT_FALSE(ParseMessagesRequest(Body(R"({"max_tokens": 5, "messages": []})"), {}, false).ok());
}

}  // namespace
}  // namespace vllm::api

namespace vllm::api {
namespace {

// A chat body with `field` set to a JSON value built by the caller.
Json ChatWith(const char* field, Json value) {
  Json b = Json::parse(R"({"messages": [{"role": "user", "content": "x"}]})");
  b[field] = std::move(value);
  return b;
}

void ExpectLimit(const Status& st, const std::string& field, const std::string& flag) {
  ASSERT_FALSE(st.ok()) << field;
  EXPECT_NE(st.message().find("'" + field + "'"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("limit"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find(flag), std::string::npos) << st.message();
}

TEST(RequestLimits, CountsAreCappedWithTheFieldAndFlagNamed) {
  RequestLimits lim;
  lim.max_stop = 2;
  lim.max_stop_token_ids = 3;
  lim.max_logit_bias = 2;
  lim.max_tools = 1;
  lim.max_messages = 2;
  lim.max_content_parts = 2;
  lim.max_stop_bytes = 4;
  ExpectLimit(ParseChatRequest(ChatWith("stop", {"a", "b", "c"}), lim).status(), "stop", "--max-stop");
  EXPECT_TRUE(ParseChatRequest(ChatWith("stop", {"a", "b"}), lim).ok());
  EXPECT_FALSE(ParseChatRequest(ChatWith("stop", "abcde"), lim).ok());  // over max_stop_bytes
  ExpectLimit(ParseChatRequest(ChatWith("stop_token_ids", {1, 2, 3, 4}), lim).status(), "stop_token_ids",
              "--max-stop-token-ids");
  ExpectLimit(ParseChatRequest(ChatWith("logit_bias", {{"1", 1}, {"2", 1}, {"3", 1}}), lim).status(), "logit_bias",
              "--max-logit-bias");
  const Json tool = {{"type", "function"}, {"function", {{"name", "f"}}}};
  ExpectLimit(ParseChatRequest(ChatWith("tools", {tool, tool}), lim).status(), "tools", "--max-tools");
  Json three = Json::array({{{"role", "user"}, {"content", "a"}}, {{"role", "assistant"}, {"content", "b"}},
                            {{"role", "user"}, {"content", "c"}}});
  ExpectLimit(ParseChatRequest(ChatWith("messages", three), lim).status(), "messages", "--max-messages");
  const Json part = {{"type", "text"}, {"text", "x"}};
  Json parts = Json::array({{{"role", "user"}, {"content", {part, part, part}}}});
  ExpectLimit(ParseChatRequest(ChatWith("messages", parts), lim).status(), "messages[0].content",
              "--max-content-parts");
  Json anthropic = ChatWith("stop_sequences", {"a", "b", "c"});
  anthropic["max_tokens"] = 4;
  ExpectLimit(ParseMessagesRequest(anthropic, lim, false).status(), "stop_sequences", "--max-stop");
}

}  // namespace
}  // namespace vllm::api
