#include "chat_template/json_dump.h"

#include <gtest/gtest.h>

#include "chat_template/error.h"
#include "chat_template/py_format.h"

namespace vllm::jinja {
namespace {

Value Sample() {
  // {"b": [1, 2.5, null, true], "a": {"é": "x\"\n\u0001"}, "e": [], "f": {}}
  Dict inner;
  inner.Set("\xc3\xa9", Value("x\"\n\x01"));
  Dict d;
  d.Set("b", Value(Value::List{Value(1), Value(2.5), Value::None(), Value(true)}));
  d.Set("a", Value(std::move(inner)));
  d.Set("e", Value(Value::List{}));
  d.Set("f", Value(Dict{}));
  return Value(std::move(d));
}

// Expected strings are Python's json.dumps output for the same data.
TEST(JsonDumpTest, DefaultsMatchTransformersTojson) {
  EXPECT_EQ(JsonDump(Sample(), {}),
            "{\"b\": [1, 2.5, null, true], \"a\": {\"\xc3\xa9\": \"x\\\"\\n\\u0001\"}, \"e\": [], \"f\": {}}");
}

TEST(JsonDumpTest, EnsureAsciiEscapesWithSurrogatePairs) {
  JsonDumpOptions opts;
  opts.ensure_ascii = true;
  EXPECT_EQ(JsonDump(Value("\xc3\xa9\xf0\x9f\x99\x82\x7f"), opts), "\"\\u00e9\\ud83d\\ude42\\u007f\"");
  EXPECT_EQ(JsonDump(Value("\x7f"), {}), "\"\x7f\"");  // ensure_ascii=False keeps DEL raw
}

TEST(JsonDumpTest, IndentUsesCommaWithoutSpaceAndKeepsEmptyContainersInline) {
  JsonDumpOptions opts;
  opts.indent = "  ";
  EXPECT_EQ(JsonDump(Sample(), opts),
            "{\n  \"b\": [\n    1,\n    2.5,\n    null,\n    true\n  ],\n  \"a\": {\n    \"\xc3\xa9\": \"x\\\"\\n\\u0001\"\n  },"
            "\n  \"e\": [],\n  \"f\": {}\n}");
}

TEST(JsonDumpTest, SortKeysAndSeparators) {
  JsonDumpOptions opts;
  opts.sort_keys = true;
  opts.item_separator = ",";
  opts.key_separator = ":";
  EXPECT_EQ(JsonDump(Sample(), opts), "{\"a\":{\"\xc3\xa9\":\"x\\\"\\n\\u0001\"},\"b\":[1,2.5,null,true],\"e\":[],\"f\":{}}");
}

TEST(JsonDumpTest, FloatsUsePythonRepr) {
  EXPECT_EQ(JsonDump(Value(1e16), {}), "1e+16");
  EXPECT_EQ(JsonDump(Value(1e15), {}), "1000000000000000.0");
  EXPECT_EQ(JsonDump(Value(0.0001), {}), "0.0001");
  EXPECT_EQ(JsonDump(Value(0.00001), {}), "1e-05");
  EXPECT_EQ(JsonDump(Value(0.1 + 0.2), {}), "0.30000000000000004");
  EXPECT_EQ(JsonDump(Value(-2.0), {}), "-2.0");
  EXPECT_EQ(JsonDump(Value(std::numeric_limits<double>::infinity()), {}), "Infinity");
}

TEST(JsonDumpTest, UndefinedIsNotSerializable) {
  EXPECT_THROW(JsonDump(Value::MakeUndefined("'x' is undefined"), {}), TemplateError);
}

TEST(PyFormatTest, ReprMatchesPython) {
  EXPECT_EQ(PyFloatRepr(1.5e-7), "1.5e-07");
  EXPECT_EQ(PyFloatRepr(123456789.125), "123456789.125");
  EXPECT_EQ(PyFloatRepr(1e22), "1e+22");
  EXPECT_EQ(PyFloatRepr(-0.0), "-0.0");
  EXPECT_EQ(PyStringRepr("it's"), "\"it's\"");
  EXPECT_EQ(PyStringRepr("a'\"b\n"), "'a\\'\"b\\n'");
  Dict d;
  d.Set("k", Value(Value::List{Value::None(), Value(true), Value(1.0)}));
  EXPECT_EQ(PyRepr(Value(std::move(d))), "{'k': [None, True, 1.0]}");
  EXPECT_EQ(PyRepr(Value::Tuple({Value(1)})), "(1,)");
  EXPECT_EQ(PyStr(Value::MakeUndefined("u")), "");
}

}  // namespace
}  // namespace vllm::jinja
