#include "chat_template/lexer.h"

#include <gtest/gtest.h>

namespace vllm::jinja {
namespace {

// Concatenated text tokens: what the template would print if every tag printed nothing.
std::string TextOf(const std::string& src) {
  std::string out;
  for (const Token& t : Lex(src)) {
    if (t.kind == TokenKind::kText) out += t.text;
  }
  return out;
}

TEST(LexerTest, TrimBlocksDropsOneNewlineAfterBlockTags) {
  EXPECT_EQ(TextOf("a{% if x %}\n\nb"), "a\nb");
  EXPECT_EQ(TextOf("a{{ x }}\nb"), "a\nb");  // not after expressions
  EXPECT_EQ(TextOf("a{# c #}\nb"), "ab");    // comments count as blocks
  EXPECT_EQ(TextOf("a{% if x +%}\nb"), "a\nb");  // +%} opts out
}

TEST(LexerTest, LstripBlocksOnlyFromLineStart) {
  EXPECT_EQ(TextOf("a\n  \t{% if x %}b"), "a\nb");
  EXPECT_EQ(TextOf("a  {% if x %}b"), "a  b");          // text before the tag on its line
  EXPECT_EQ(TextOf("a\n  {{ x }}b"), "a\n  b");          // not for expressions
  EXPECT_EQ(TextOf("a\n  {%+ if x %}b"), "a\n  b");      // {%+ opts out
  EXPECT_EQ(TextOf("  {% if x %}b"), "b");               // start of template is a line start
}

TEST(LexerTest, MinusStripsAllWhitespaceOnThatSide) {
  EXPECT_EQ(TextOf("a \n\t {{- x -}} \n b"), "ab");
  EXPECT_EQ(TextOf("a \n {%- if x %} b"), "a b");
  EXPECT_EQ(TextOf("a {#- c -#}\n\n b"), "ab");
}

TEST(LexerTest, NormalizesNewlinesAndDropsOneTrailingNewline) {
  EXPECT_EQ(TextOf("a\r\nb\rc\n"), "a\nb\nc");
  EXPECT_EQ(TextOf("a\n\n"), "a\n");
}

TEST(LexerTest, RawBlockIsText) {
  EXPECT_EQ(TextOf("{% raw %}{{ x }}{% if %}{% endraw %}!"), "{{ x }}{% if %}!");
}

TEST(LexerTest, StringEscapesDecodeLikePython) {
  auto toks = Lex(R"({{ 'a\n\t\\\'\x41\u00e9\q' }})");
  ASSERT_EQ(toks[1].kind, TokenKind::kString);
  EXPECT_EQ(toks[1].text, "a\n\t\\'A\xc3\xa9\\q");
}

TEST(LexerTest, NumbersAndOperators) {
  auto toks = Lex("{{ 1_000 + 2.5e1 // 3 ** x.0 }}");
  ASSERT_GE(toks.size(), 10u);
  EXPECT_EQ(toks[1].kind, TokenKind::kInt);
  EXPECT_EQ(toks[1].int_value, 1000);
  EXPECT_EQ(toks[3].kind, TokenKind::kFloat);
  EXPECT_DOUBLE_EQ(toks[3].float_value, 25.0);
  EXPECT_EQ(toks[4].text, "//");
  EXPECT_EQ(toks[6].text, "**");
}

TEST(LexerTest, PositionsAreOneBased) {
  auto toks = Lex("ab\n  {{ x }}");
  ASSERT_EQ(toks[1].kind, TokenKind::kVarBegin);
  EXPECT_EQ(toks[1].pos.line, 2);
  EXPECT_EQ(toks[1].pos.column, 3);
  EXPECT_EQ(toks[2].pos.column, 6);
}

TEST(LexerTest, ErrorsNameTheProblemAndPlace) {
  auto expect_error = [](const std::string& src, const std::string& needle, int line) {
    try {
      Lex(src);
      ADD_FAILURE() << "no error for " << src;
    } catch (const TemplateError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_EQ(e.pos().line, line) << src;
    }
  };
  expect_error("x\n{{ 'abc }}", "unterminated string", 2);
  expect_error("{{ x ", "unterminated tag", 1);
  expect_error("a\nb\n{# never closed", "unterminated comment", 3);
  expect_error("{{ x ? y }}", "unexpected character '?'", 1);
  expect_error("{% raw %}abc", "unterminated '{% raw %}'", 1);
}

}  // namespace
}  // namespace vllm::jinja
