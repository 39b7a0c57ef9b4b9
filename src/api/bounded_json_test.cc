#include "api/bounded_json.h"

#include <gtest/gtest.h>

#include <string>

#include "api/chat_request.h"
#include "api/json_fields.h"

namespace vllm::api {
namespace {

std::string Nested(int depth, char open = '[', char close = ']') {
  return std::string(depth, open) + std::string(depth, close);
}

TEST(BoundedJson, AcceptsUpToTheLimitAndRefusesOneMore) {
  EXPECT_EQ(ParseBoundedJson(Nested(kMaxJsonDepth)).error, JsonParseError::kNone);
  EXPECT_EQ(ParseBoundedJson(Nested(kMaxJsonDepth + 1)).error, JsonParseError::kTooDeep);
  std::string objects;
  for (int i = 0; i < kMaxJsonDepth + 1; ++i) objects += "{\"a\":";
  objects += "1" + std::string(kMaxJsonDepth + 1, '}');
  EXPECT_EQ(ParseBoundedJson(objects).error, JsonParseError::kTooDeep);
}

TEST(BoundedJson, ObjectMembersAreCapped) {
  auto object = [](int n) {
    std::string s = "{";
    for (int i = 0; i < n; ++i) s += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":[{}]";
    return s + "}";
  };
  EXPECT_EQ(ParseBoundedJson(object(kMaxJsonObjectMembers)).error, JsonParseError::kNone);
  EXPECT_EQ(ParseBoundedJson(object(kMaxJsonObjectMembers + 1)).error, JsonParseError::kTooManyMembers);
  // Counted per object: many objects of the limit each are fine, arrays are not limited.
  const std::string many = "[" + object(kMaxJsonObjectMembers) + "," + object(kMaxJsonObjectMembers) + "]";
  EXPECT_EQ(ParseBoundedJson(many).error, JsonParseError::kNone);
  std::string long_array = "[0";
  for (int i = 0; i < 100000; ++i) long_array += ",0";
  EXPECT_EQ(ParseBoundedJson(long_array + "]").error, JsonParseError::kNone);
  auto r = ParseBody("{\"logit_bias\": " + object(5000) + "}");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("more than 1024 members"), std::string::npos) << r.status().message();
}

TEST(BoundedJson, AMillionLevelsIsRefusedWithoutRecursion) {
  // The body of the crash in issue 21: 2 MB of brackets.
  const BoundedJson j = ParseBoundedJson(Nested(1000000));
  EXPECT_EQ(j.error, JsonParseError::kTooDeep);
  EXPECT_TRUE(j.value.is_discarded());
}

TEST(BoundedJson, MalformedAndInvalidUtf8AreMalformed) {
  EXPECT_EQ(ParseBoundedJson("{\"a\": [1, 2").error, JsonParseError::kMalformed);
  const BoundedJson bad = ParseBoundedJson("{\"a\": \"\xff\xfe\"}");
  EXPECT_EQ(bad.error, JsonParseError::kMalformed);
  EXPECT_NE(bad.message.find("UTF-8"), std::string::npos) << bad.message;
}

TEST(BoundedJson, ParseBodySaysWhichLimit) {
  const std::string deep =
      "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\", \"x\": " + Nested(100000) + "}]}";
  auto r = ParseBody(deep);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("deeper than 64"), std::string::npos) << r.status().message();
}

TEST(BoundedJson, DeepToolArgumentsStringIsA400) {
  Json body = Json::parse(R"({"messages": [{"role": "user", "content": "x"},
      {"role": "assistant", "content": null, "tool_calls": [{"id": "c", "type": "function",
       "function": {"name": "f", "arguments": ""}}]}]})");
  body["messages"][1]["tool_calls"][0]["function"]["arguments"] = Nested(5000);
  auto r = ParseChatRequest(body, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("function.arguments"), std::string::npos)
      << r.status().message();
  // A shallow arguments string still becomes an object for the template.
  body["messages"][1]["tool_calls"][0]["function"]["arguments"] = R"({"city": "Paris"})";
  auto ok = ParseChatRequest(body, {});
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->messages[1]["tool_calls"][0]["function"]["arguments"]["city"], "Paris");
}

}  // namespace
}  // namespace vllm::api
