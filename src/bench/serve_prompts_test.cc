#include "bench/serve_prompts.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace vllm::bench {
namespace {

std::string WriteTemp(const std::string& name, const std::string& content) {
  const auto p = std::filesystem::temp_directory_path() / ("serve_prompts_test_" + name);
  std::ofstream(p) << content;
  return p.string();
}

TEST(ServePrompts, BuiltInSetsInOrder) {
  auto sets = ResolvePromptSets("long,short");
  ASSERT_TRUE(sets.ok()) << sets.status().message();
  ASSERT_EQ(sets.value().size(), 2u);
  EXPECT_EQ(sets.value()[0].name, "long");
  EXPECT_EQ(sets.value()[1].name, "short");
  // Each set is longer than the one before it, prompt by prompt on average.
  size_t prev = 0;
  for (const char* n : {"short", "medium", "long"}) {
    auto s = ResolvePromptSets(n);
    ASSERT_TRUE(s.ok());
    size_t chars = 0;
    for (const auto& p : s.value()[0].prompts) chars += p.size();
    const size_t mean = chars / s.value()[0].prompts.size();
    EXPECT_GT(mean, 2 * prev) << n;
    prev = mean;
  }
}

TEST(ServePrompts, UnknownSetNamesTheChoices) {
  for (const char* arg : {"tiny", "short,", "short,huge", ""}) {
    auto s = ResolvePromptSets(arg);
    ASSERT_FALSE(s.ok()) << arg;
    EXPECT_NE(s.status().message().find("built-in sets: short, medium, long"), std::string::npos);
  }
}

TEST(ServePrompts, FileOnePromptPerLine) {
  auto s = ResolvePromptSets(WriteTemp("lines.txt", "first prompt\r\n\n  \nsecond, with a comma\n"));
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s.value()[0].name, "serve_prompts_test_lines.txt");
  EXPECT_EQ(s.value()[0].prompts, (std::vector<std::string>{"first prompt", "second, with a comma"}));
}

TEST(ServePrompts, FileJsonList) {
  auto s = ResolvePromptSets(WriteTemp("list.json", "  [\"a\\nmulti-line prompt\", \"b\"]"));
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s.value()[0].prompts, (std::vector<std::string>{"a\nmulti-line prompt", "b"}));
}

TEST(ServePrompts, BadFilesAreClearErrors) {
  const std::pair<std::string, const char*> cases[] = {
      {"[\"a\", 3]", "non-empty string"}, {"[\"a\"", "not a JSON list"}, {"\n \n", "no prompts"}};
  int i = 0;
  for (const auto& [content, why] : cases) {
    auto s = ResolvePromptSets(WriteTemp("bad" + std::to_string(i++), content));
    ASSERT_FALSE(s.ok()) << content;
    EXPECT_NE(s.status().message().find(why), std::string::npos) << s.status().message();
  }
}

}  // namespace
}  // namespace vllm::bench
