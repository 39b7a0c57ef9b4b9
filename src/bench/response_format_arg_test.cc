#include "bench/response_format_arg.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

namespace vllm::bench {
namespace {

TEST(ResponseFormatArg, JsonObjectAndSchemaFile) {
  auto obj = ParseResponseFormatArg({"json-object"});
  ASSERT_TRUE(obj.ok());
  EXPECT_EQ(nlohmann::json::parse(obj->json), nlohmann::json({{"type", "json_object"}}));
  const std::string path = ::testing::TempDir() + "/bench_schema.json";
  std::ofstream(path) << R"({"type": "object", "properties": {"a": {"type": "integer"}}})";
  auto schema = ParseResponseFormatArg({"json-schema", path});
  ASSERT_TRUE(schema.ok()) << schema.status().message();
  const auto rf = nlohmann::json::parse(schema->json);
  EXPECT_EQ(rf["type"], "json_schema");
  EXPECT_EQ(rf["json_schema"]["schema"]["properties"]["a"]["type"], "integer");
  EXPECT_EQ(schema->label, "json_schema " + path);
  std::remove(path.c_str());
}

TEST(ResponseFormatArg, BadArgumentsNameTheProblem) {
  EXPECT_NE(ParseResponseFormatArg({"xml"}).status().message().find("expected 'json-object'"),
            std::string::npos);
  EXPECT_NE(ParseResponseFormatArg({"json-schema"}).status().message().find("json-schema FILE"),
            std::string::npos);
  EXPECT_NE(ParseResponseFormatArg({"json-schema", "/nonexistent/s.json"})
                .status()
                .message()
                .find("cannot read"),
            std::string::npos);
  const std::string path = ::testing::TempDir() + "/bench_not_schema.json";
  std::ofstream(path) << "[1, 2]";
  EXPECT_NE(
      ParseResponseFormatArg({"json-schema", path}).status().message().find("not a JSON schema"),
      std::string::npos);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace vllm::bench
