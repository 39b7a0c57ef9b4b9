// A compiled PCRE2 (JIT) regex with the find-all loop the pre-tokenizers need.
//
// tokenizer.json patterns are written for Oniguruma (what HF `tokenizers` uses). The two
// engines agree on the syntax these files use ((?i:...), \p{L}, \p{N}, lookahead), but
// differ on `\s`: Oniguruma matches Unicode White_Space, PCRE2+UCP leaves out U+0085 (NEL).
// Compile() rewrites `\s`/`\S` so both engines match the same set.
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
  static Result<std::shared_ptr<const Regex>> Compile(const std::string& pattern);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Non-overlapping, non-empty matches as [begin, end) byte offsets, left to right.
  // Precondition: text is valid UTF-8. Fails only when PCRE2 gives up (JIT stack limit).
  Status FindAll(std::string_view text, std::vector<std::pair<size_t, size_t>>* matches) const;

  // The Oniguruma-compatible rewrite actually compiled (exposed for tests).
  static std::string RewriteForPcre2(const std::string& pattern);

 private:
  Regex() = default;
  void* code_ = nullptr;  // pcre2_code_8*; void* keeps pcre2.h out of this header
};

}  // namespace vllm
