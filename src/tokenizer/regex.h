// A compiled PCRE2 (JIT) regex with the find-all loop the pre-tokenizers need.
//
// tokenizer.json patterns are written for Oniguruma (what HF `tokenizers` uses). The two
// engines agree on the syntax these files use ((?i:...), \p{L}, \p{N}, lookahead), but not
// on every class: Oniguruma's `\s` is Unicode White_Space (PCRE2+UCP leaves out U+0085),
// its `\w` includes marks and all Alphabetic chars, and its tables are Unicode 16 where
// Debian 12's PCRE2 has Unicode 14. Compile() rewrites `\s \S \d \D \w \W \p{L} \p{N} \p{M}`
// (and negations) into classes with the same members (unicode_extras.inc).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/status.h"

namespace vllm {

class Regex {
 public:
  // Whose semantics the pattern has: Oniguruma (tokenizer.json Split/Replace patterns)
  // or the Rust `regex` crate (HF's built-in Whitespace pre-tokenizer); they differ in \w.
  enum class Flavor { kOniguruma, kRustRegex };
  static Result<std::shared_ptr<const Regex>> Compile(const std::string& pattern,
                                                      Flavor flavor = Flavor::kOniguruma);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Non-overlapping, non-empty matches as [begin, end) byte offsets, left to right.
  // Precondition: text is valid UTF-8. Fails only when PCRE2 gives up (JIT stack limit).
  Status FindAll(std::string_view text, std::vector<std::pair<size_t, size_t>>* matches) const;

  // The Oniguruma-compatible rewrite actually compiled (exposed for tests).
  static std::string RewriteForPcre2(const std::string& pattern,
                                     Flavor flavor = Flavor::kOniguruma);

 private:
  Regex() = default;
  void* code_ = nullptr;  // pcre2_code_8*; void* keeps pcre2.h out of this header
};

}  // namespace vllm
