// Typed readers for request fields. Each reads `key` of a JSON object into `out` when the
// field is present and not null, and leaves `out` alone otherwise; a wrong type is an
// InvalidArgument naming the field ("'temperature' must be a number"), never an exception.
// Request objects are nlohmann::ordered_json so tool schemas reach chat templates in the
// client's key order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/status.h"

namespace vllm::api {

using Json = nlohmann::ordered_json;

// Present and not null.
bool Has(const Json& obj, const char* key);

Status ReadFloat(const Json& obj, const char* key, float* out);
Status ReadFloat(const Json& obj, const char* key, std::optional<float>* out);
Status ReadInt(const Json& obj, const char* key, int32_t* out);  // integral numbers only
Status ReadInt(const Json& obj, const char* key, std::optional<int32_t>* out);
Status ReadUint64(const Json& obj, const char* key, std::optional<uint64_t>* out);
Status ReadBool(const Json& obj, const char* key, bool* out);
Status ReadString(const Json& obj, const char* key, std::string* out);
// A string or a list of strings (OpenAI `stop`).
Status ReadStringList(const Json& obj, const char* key, std::vector<std::string>* out);
Status ReadIntList(const Json& obj, const char* key, std::vector<int32_t>* out);

// Parses a request body; malformed JSON, invalid UTF-8 or nesting deeper than
// kMaxJsonDepth (bounded_json.h) -> InvalidArgument.
Result<Json> ParseBody(std::string_view body);

// A JSON object given as text (a CLI flag); `what` names it in the error.
Result<Json> ParseJsonObject(const std::string& text, const std::string& what);

// Compact dump that never throws (invalid UTF-8 is replaced by U+FFFD).
std::string Dump(const Json& j);

}  // namespace vllm::api
