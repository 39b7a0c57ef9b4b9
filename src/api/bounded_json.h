// JSON from clients (and from model output we parse back) with a bounded nesting depth and
// object size.
// nlohmann's parser itself is iterative, but copying, comparing, dumping and converting a
// parsed value recurse once per level, so a 1,000,000-deep array in a 2 MB body would
// overflow the stack later, wherever it is first copied. The depth is checked while
// parsing (a parser callback), so no deep value is ever built.
#pragma once

#include <string>
#include <string_view>

#include "api/json_fields.h"

namespace vllm::api {

// Containers nested deeper than this are refused (a tool schema needs a dozen at most).
inline constexpr int kMaxJsonDepth = 64;
// Members of one object. Request objects keep the client's key order (ordered_json), whose
// insert is a linear search: an object of n keys costs n^2/2 string compares to parse, so a
// 16 MB body of one 1,000,000-key object would hold a worker for minutes. At 1024, a whole
// 16 MB body of such objects parses in about a second. (logit_bias allows 300 by default.)
inline constexpr int kMaxJsonObjectMembers = 1024;

enum class JsonParseError { kNone, kMalformed, kTooDeep, kTooManyMembers };

struct BoundedJson {
  Json value;  // discarded unless error == kNone
  JsonParseError error = JsonParseError::kNone;
  std::string message;  // the parser's message for kMalformed
};

BoundedJson ParseBoundedJson(std::string_view text, int max_depth = kMaxJsonDepth,
                             int max_members = kMaxJsonObjectMembers);

// The client-facing message of a kTooDeep / kTooManyMembers result, naming `what` ("request
// body", "'messages[1].tool_calls[0].function.arguments'").
std::string JsonLimitMessage(JsonParseError error, const std::string& what);

}  // namespace vllm::api
