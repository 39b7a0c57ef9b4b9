#include "tokenizer/regex.h"

#include <gtest/gtest.h>

namespace vllm {
namespace {

std::vector<std::string> Matches(const std::string& pattern, std::string_view text,
                                 Regex::Flavor flavor = Regex::Flavor::kOniguruma) {
  auto regex = Regex::Compile(pattern, flavor);
  EXPECT_TRUE(regex.ok()) << regex.status().message();
  std::vector<std::pair<size_t, size_t>> spans;
  EXPECT_TRUE((*regex)->FindAll(text, &spans).ok());
  std::vector<std::string> out;
  for (auto [b, e] : spans) out.emplace_back(text.substr(b, e - b));
  return out;
}

// Expected splits are what HF tokenizers' Oniguruma / Rust regex produce.
TEST(RegexTest, NextLineIsWhitespaceAsInOniguruma) {
  EXPECT_EQ(Matches(R"(\s+)", "a\xC2\x85 b"), (std::vector<std::string>{"\xC2\x85 "}));
  EXPECT_EQ(Matches(R"([^\s]+)", "a\xC2\x85" "b"), (std::vector<std::string>{"a", "b"}));
}

TEST(RegexTest, WordIncludesMarks) {
  // नमस्ते has virama and vowel-sign marks: one word for Oniguruma and Rust regex.
  const std::string namaste =
      "\xE0\xA4\xA8\xE0\xA4\xAE\xE0\xA4\xB8\xE0\xA5\x8D\xE0\xA4\xA4\xE0\xA5\x87";
  EXPECT_EQ(Matches(R"(\w+)", namaste), (std::vector<std::string>{namaste}));
  // Superscript two (No): a word char for Oniguruma, not for Rust regex.
  EXPECT_EQ(Matches(R"(\w+)", "a\xC2\xB2"), (std::vector<std::string>{"a\xC2\xB2"}));
  EXPECT_EQ(Matches(R"(\w+)", "a\xC2\xB2", Regex::Flavor::kRustRegex),
            (std::vector<std::string>{"a"}));
}

TEST(RegexTest, NewerUnicodeLettersAndDigits) {
  // U+31350 (CJK Ext H, Unicode 15) is a letter; U+1CCF0 (outlined digit zero, Unicode
  // 16) is a decimal digit. Debian's PCRE2 alone knows neither.
  EXPECT_EQ(Matches(R"(\p{L}+)", "a\xF0\xB1\x8D\x90" "b"),
            (std::vector<std::string>{"a\xF0\xB1\x8D\x90" "b"}));
  EXPECT_EQ(Matches(R"([^\p{L}]+)", "a\xF0\xB1\x8D\x90" "b"), std::vector<std::string>{});
  EXPECT_EQ(Matches(R"(\d+)", "1\xF0\x9C\xB3\xB0" "2"),
            (std::vector<std::string>{"1\xF0\x9C\xB3\xB0" "2"}));
}

TEST(RegexTest, CaseInsensitiveContractionsAndLookahead) {
  const std::string p = R"((?i:'s|'t|'re)|\p{L}+|\s+(?!\S)|\s+)";
  EXPECT_EQ(Matches(p, "IT'S  x"), (std::vector<std::string>{"IT", "'S", " ", " ", "x"}));
}

TEST(RegexTest, RewriteKeepsOtherEscapesAndClasses) {
  EXPECT_EQ(Regex::RewriteForPcre2(R"(a\.b[\]x]\n)"), R"(a\.b[\]x]\n)");
  EXPECT_EQ(Regex::RewriteForPcre2(R"(\p{Lu})"), R"(\p{Lu})");
  EXPECT_FALSE(Regex::Compile("(unclosed").ok());
}

}  // namespace
}  // namespace vllm
