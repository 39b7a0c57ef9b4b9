// The {"pattern": {"String"|"Regex": ...}, "content": ...} replacement shared by the
// Replace normalizer and the Replace decoder.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "tokenizer/regex.h"
#include "util/status.h"

namespace vllm {

class ReplacePattern {
 public:
  static Result<ReplacePattern> FromJson(const nlohmann::json& spec);
  // Replaces every non-overlapping match, left to right.
  Status Apply(std::string* text) const;

 private:
  std::string literal_;                  // used when regex_ is null
  std::shared_ptr<const Regex> regex_;
  std::string content_;
};

}  // namespace vllm
