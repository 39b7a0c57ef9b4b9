#include "tokenizer/replace_pattern.h"

#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

namespace vllm {

Result<ReplacePattern> ReplacePattern::FromJson(const nlohmann::json& spec) {
  ReplacePattern p;
  const auto& pattern = spec.at("pattern");
  if (pattern.contains("String")) {
    p.literal_ = pattern.at("String").get<std::string>();
    if (p.literal_.empty()) return InvalidArgument("Replace: empty String pattern");
  } else if (pattern.contains("Regex")) {
    ASSIGN_OR_RETURN(p.regex_, Regex::Compile(pattern.at("Regex").get<std::string>()));
  } else {
    return InvalidArgument("Replace: pattern needs String or Regex");
  }
  p.content_ = spec.value("content", "");
  return p;
}

Status ReplacePattern::Apply(std::string* text) const {
  std::vector<std::pair<size_t, size_t>> matches;
  if (regex_) {
    RETURN_IF_ERROR(regex_->FindAll(*text, &matches));
  } else {
    for (size_t pos = text->find(literal_); pos != std::string::npos;
         pos = text->find(literal_, pos + literal_.size())) {
      matches.emplace_back(pos, pos + literal_.size());
    }
  }
  if (matches.empty()) return Status::Ok();
  std::string out;
  out.reserve(text->size());
  size_t prev = 0;
  for (const auto& [begin, end] : matches) {
    out.append(*text, prev, begin - prev);
    out += content_;
    prev = end;
  }
  out.append(*text, prev, std::string::npos);
  *text = std::move(out);
  return Status::Ok();
}

}  // namespace vllm
