// Every constraint field reaches StructuredOutput, or is a 400 (InvalidArgument) that names it.
#include "api/structured_output_fields.h"

#include <gtest/gtest.h>

namespace vllm::api {
namespace {

using Kind = StructuredOutput::Kind;

StructuredOutput Read(const char* body) {
  StructuredOutput so;
  Status st = ReadStructuredOutput(Json::parse(body), &so);
  EXPECT_TRUE(st.ok()) << body << ": " << st.message();
  return so;
}

void ExpectBad(const char* body, const std::string& needle) {
  StructuredOutput so;
  Status st = ReadStructuredOutput(Json::parse(body), &so);
  ASSERT_FALSE(st.ok()) << body;
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find(needle), std::string::npos) << st.message();
}

TEST(StructuredOutputFields, EveryFieldIsRead) {
  EXPECT_EQ(Read(R"({})").kind, Kind::kNone);
  EXPECT_EQ(Read(R"({"response_format": {"type": "text"}})").kind, Kind::kNone);
  EXPECT_EQ(Read(R"({"response_format": {"type": "json_object"}})").kind, Kind::kJsonObject);
  auto s = Read(R"({"response_format": {"type": "json_schema", "json_schema": {"name": "p", "strict": true,
                    "schema": {"type": "object", "properties": {"b": {}, "a": {}}}}}})");
  EXPECT_EQ(s.kind, Kind::kJsonSchema);
  EXPECT_EQ(s.spec, R"({"type":"object","properties":{"b":{},"a":{}}})") << "key order is kept";
  EXPECT_EQ(Read(R"({"guided_json": {"type": "integer"}})").spec, R"({"type":"integer"})");
  EXPECT_EQ(Read(R"({"guided_json": "{\"type\": \"integer\"}"})").spec, R"({"type":"integer"})");
  EXPECT_EQ(Read(R"({"guided_regex": "[a-z]+"})").kind, Kind::kRegex);
  auto c = Read(R"({"guided_choice": ["x", "y"]})");
  EXPECT_EQ(c.kind, Kind::kChoice);
  EXPECT_EQ(c.choices, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(Read(R"({"guided_grammar": "start: \"a\""})").kind, Kind::kLark);
  EXPECT_EQ(Read(R"({"structured_outputs": {"json": {"type": "string"}}})").kind, Kind::kJsonSchema);
  EXPECT_EQ(Read(R"({"structured_outputs": {"regex": "a"}})").kind, Kind::kRegex);
  EXPECT_EQ(Read(R"({"structured_outputs": {"choice": ["a"]}})").kind, Kind::kChoice);
  EXPECT_EQ(Read(R"({"structured_outputs": {"grammar": "start: \"a\""}})").kind, Kind::kLark);
  EXPECT_EQ(Read(R"({"structured_outputs": {"json_object": true}})").kind, Kind::kJsonObject);
  EXPECT_EQ(Read(R"({"guided_json": null, "structured_outputs": {"regex": null}})").kind, Kind::kNone);
  EXPECT_EQ(Read(R"({"guided_json": {"type": "object"}, "guided_whitespace_pattern": "[ ]{0,2}"})").spec,
            R"({"type":"object","x-guidance":{"whitespace_pattern":"[ ]{0,2}"}})");
  EXPECT_EQ(Read(R"({"guided_json": {}, "guided_decoding_backend": "guidance"})").kind, Kind::kJsonSchema);
}

TEST(StructuredOutputFields, BadOrUnsupportedIs400) {
  ExpectBad(R"({"response_format": {"type": "yaml"}})", "unknown response_format");
  ExpectBad(R"({"response_format": "json"})", "'response_format' must be");
  ExpectBad(R"({"guided_json": 5})", "'guided_json' must be a JSON schema");
  ExpectBad(R"({"guided_json": "{not json"})", "'guided_json' must be a JSON schema");
  ExpectBad(R"({"guided_choice": []})", "non-empty list");
  ExpectBad(R"({"guided_choice": ["a", 1]})", "non-empty strings");
  ExpectBad(R"({"guided_regex": ""})", "non-empty string");
  ExpectBad(R"({"guided_whitespace_pattern": " "})", "applies to a JSON constraint only");
  ExpectBad(R"({"guided_regex": "a", "guided_whitespace_pattern": " "})", "applies to a JSON constraint only");
  ExpectBad(R"({"guided_json": {}, "guided_decoding_backend": "xgrammar"})", "guided_decoding_backend");
  ExpectBad(R"({"structured_outputs": {"structural_tag": "x"}})", "'structured_outputs.structural_tag' is not supported");
  ExpectBad(R"({"guided_regex": "a", "structured_outputs": {"regex": "b"}})", "not both 'guided_regex' and 'structured_outputs.regex'");
  ExpectBad(R"({"response_format": {"type": "json_object"}, "guided_json": {}})", "not both");
}

TEST(StructuredOutputFields, AnthropicOutputFormat) {
  StructuredOutput so;
  ASSERT_TRUE(ReadAnthropicOutputFormat(Json::parse(R"({"output_config": {"format": {"type": "json_schema",
      "schema": {"type": "object"}}}})"), &so).ok());
  EXPECT_EQ(so.kind, Kind::kJsonSchema);
  EXPECT_FALSE(ReadAnthropicOutputFormat(Json::parse(R"({"output_config": {"format": {"type": "text"}}})"), &so).ok());
  EXPECT_FALSE(ReadAnthropicOutputFormat(Json::parse(R"({"output_config": {"colour": 1}})"), &so).ok());
}

TEST(StructuredOutputFields, ToolCallConstraint) {
  const Json tools = Json::parse(R"([{"type": "function", "function": {"name": "get_weather",
      "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}},
      {"type": "function", "function": {"name": "noargs"}}])");
  auto named = ToolCallConstraint({.required = true, .function_name = "get_weather", .parallel = true}, tools,
                                  ToolCallSyntax::kHermes);
  ASSERT_TRUE(named.ok()) << named.status().message();
  EXPECT_EQ(named->kind, Kind::kLark);
  EXPECT_NE(named->spec.find("<tool_call>"), std::string::npos);
  EXPECT_NE(named->spec.find(R"("const":"get_weather")"), std::string::npos) << named->spec;
  EXPECT_EQ(named->spec.find("noargs"), std::string::npos) << "a named choice allows that function only";
  auto any = ToolCallConstraint({.required = true, .function_name = "", .parallel = true}, tools, ToolCallSyntax::kJson);
  ASSERT_TRUE(any.ok());
  EXPECT_NE(any->spec.find("anyOf"), std::string::npos);
  EXPECT_NE(any->spec.find(R"("parameters")"), std::string::npos) << "Llama 3 JSON calls carry 'parameters'";
  EXPECT_FALSE(ToolCallConstraint({.required = true, .function_name = "nope", .parallel = true}, tools,
                                  ToolCallSyntax::kHermes).ok());
  EXPECT_FALSE(CheckForcedTool({.required = true, .function_name = "", .parallel = true}, Json(nullptr)).ok());
  EXPECT_EQ(ToolCallSyntaxOf("{% if tools %}<tool_call>{% endif %}"), ToolCallSyntax::kHermes);
  EXPECT_EQ(ToolCallSyntaxOf("{{ '<|python_tag|>' }}"), ToolCallSyntax::kJson);
}

}  // namespace
}  // namespace vllm::api
