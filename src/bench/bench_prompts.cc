#include "bench/bench_prompts.h"

namespace vllm::bench {

namespace {

const char kSystemText[] =
    "You are a careful, friendly assistant for a team of software engineers. Answer in plain "
    "English, keep answers short unless asked for detail, and say so when you are not sure. "
    "When you show code, use the language the user asked about, explain what each part does, "
    "and point out edge cases such as empty inputs, very large inputs and concurrent access. "
    "Prefer standard libraries over new dependencies, and measure before you optimize. ";

// Each question starts with its own word, so two questions (of the first 24) never share a
// first token, and so never a cached block even when they start mid-block after a system prompt.
const char* const kQuestionStarts[] = {
    "Why",     "How",     "What",   "When",    "Which",   "Could",   "Should",  "Where",
    "Explain", "Compare", "Describe", "List",  "Suppose", "Imagine", "Tell",    "Show",
    "Outline", "Given",   "Is",     "Are",     "Does",    "Can",     "Would",   "Summarize"};

const char kQuestionText[] =
    " does a hash map keep lookups fast as it grows, and what happens to the cost of an insert "
    "when the table has to be resized while other threads are reading from it? ";

Result<std::vector<int32_t>> RepeatToLength(const Tokenizer& tok, const std::string& text, int64_t n) {
  if (n <= 0) return InvalidArgument("a prompt needs at least one token");
  ASSIGN_OR_RETURN(std::vector<int32_t> unit, tok.Encode(text, /*add_special_tokens=*/false));
  if (unit.empty()) return Internal("the tokenizer encoded a benchmark text to no tokens");
  std::vector<int32_t> out;
  while (static_cast<int64_t>(out.size()) < n) out.insert(out.end(), unit.begin(), unit.end());
  out.resize(static_cast<size_t>(n));
  return out;
}

}  // namespace

const std::vector<std::string>& BuiltinPrompts() {
  static const std::vector<std::string> kPrompts = {
      "What is the capital of France?",
      "Explain in a few sentences how a hash table works and why its lookups are fast on "
      "average.",
      "You are reviewing the design of a web service that stores user profiles. Requests arrive "
      "at about two thousand per second, reads outnumber writes ten to one, and the data must "
      "survive the loss of a whole data center. Describe a storage layout, a caching strategy, "
      "and how you would test that failover really works.",
  };
  return kPrompts;
}

const char* BuiltinPromptKind(size_t i) {
  static const char* const kKinds[] = {"short", "medium", "long"};
  return kKinds[i % 3];
}

Result<std::vector<int32_t>> EncodeBuiltinPrompt(const Tokenizer& tok, size_t i) {
  const auto& prompts = BuiltinPrompts();
  return tok.Encode(prompts[i % prompts.size()]);
}

Result<std::vector<int32_t>> SystemPromptTokens(const Tokenizer& tok, int64_t num_tokens) {
  return RepeatToLength(tok, kSystemText, num_tokens);
}

Result<std::vector<int32_t>> QuestionTokens(const Tokenizer& tok, int64_t index, int64_t num_tokens) {
  constexpr int64_t kStarts = sizeof(kQuestionStarts) / sizeof(kQuestionStarts[0]);
  // Past the start words, the question number keeps the texts distinct.
  std::string text = std::string(kQuestionStarts[index % kStarts]) + " (question " +
                     std::to_string(index) + ")" + kQuestionText;
  return RepeatToLength(tok, text, num_tokens);
}

std::vector<int32_t> Concat(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  std::vector<int32_t> out = a;
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

}  // namespace vllm::bench
