// JSON from clients (and from model output we parse back) with a bounded nesting depth.
// nlohmann's parser itself is iterative, but copying, comparing, dumping and converting a
// parsed value recurse once per level, so a 1,000,000-deep array in a 2 MB body would
// overflow the stack later, wherever it is first copied. The depth is checked while
// parsing (a parser callback), so no deep value is ever built.
#pragma once

#include <string_view>

#include "api/json_fields.h"

namespace vllm::api {

// Containers nested deeper than this are refused (a tool schema needs a dozen at most).
inline constexpr int kMaxJsonDepth = 64;

enum class JsonParseError { kNone, kMalformed, kTooDeep };

struct BoundedJson {
  Json value;  // discarded unless error == kNone
  JsonParseError error = JsonParseError::kNone;
  std::string message;  // the parser's message for kMalformed
};

BoundedJson ParseBoundedJson(std::string_view text, int max_depth = kMaxJsonDepth);

}  // namespace vllm::api
