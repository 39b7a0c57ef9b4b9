#include "api/json_fields.h"

#include <cmath>
#include <limits>

#include "api/bounded_json.h"

namespace vllm::api {

namespace {
Status Wrong(const char* key, const char* what) {
  return InvalidArgument(std::string("'") + key + "' must be " + what);
}
}  // namespace

bool Has(const Json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && !it->is_null();
}

Status ReadFloat(const Json& obj, const char* key, float* out) {
  if (!Has(obj, key)) return Status::Ok();
  const Json& v = obj.at(key);
  if (!v.is_number()) return Wrong(key, "a number");
  *out = v.get<float>();
  return Status::Ok();
}

Status ReadFloat(const Json& obj, const char* key, std::optional<float>* out) {
  if (!Has(obj, key)) return Status::Ok();
  float f = 0;
  RETURN_IF_ERROR(ReadFloat(obj, key, &f));
  *out = f;
  return Status::Ok();
}

Status ReadInt(const Json& obj, const char* key, int32_t* out) {
  if (!Has(obj, key)) return Status::Ok();
  const Json& v = obj.at(key);
  // 3.0 is accepted as 3 (Python clients send floats sometimes); 3.5 is not.
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (d != std::floor(d)) return Wrong(key, "an integer");
    if (std::fabs(d) > std::numeric_limits<int32_t>::max()) return Wrong(key, "a 32-bit integer");
    *out = static_cast<int32_t>(d);
    return Status::Ok();
  }
  if (v.is_number_unsigned()) {
    if (v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) return Wrong(key, "a 32-bit integer");
    *out = static_cast<int32_t>(v.get<uint64_t>());
    return Status::Ok();
  }
  if (!v.is_number_integer()) return Wrong(key, "an integer");
  const int64_t i = v.get<int64_t>();
  if (i < std::numeric_limits<int32_t>::min() || i > std::numeric_limits<int32_t>::max())
    return Wrong(key, "a 32-bit integer");
  *out = static_cast<int32_t>(i);
  return Status::Ok();
}

Status ReadInt(const Json& obj, const char* key, std::optional<int32_t>* out) {
  if (!Has(obj, key)) return Status::Ok();
  int32_t i = 0;
  RETURN_IF_ERROR(ReadInt(obj, key, &i));
  *out = i;
  return Status::Ok();
}

Status ReadUint64(const Json& obj, const char* key, std::optional<uint64_t>* out) {
  if (!Has(obj, key)) return Status::Ok();
  const Json& v = obj.at(key);
  if (v.is_number_unsigned()) {
    *out = v.get<uint64_t>();
  } else if (v.is_number_integer()) {
    // Negative seeds are valid in OpenAI's API; keep their two's-complement bits.
    *out = static_cast<uint64_t>(v.get<int64_t>());
  } else {
    return Wrong(key, "an integer");
  }
  return Status::Ok();
}

Status ReadBool(const Json& obj, const char* key, bool* out) {
  if (!Has(obj, key)) return Status::Ok();
  const Json& v = obj.at(key);
  if (!v.is_boolean()) return Wrong(key, "a boolean");
  *out = v.get<bool>();
  return Status::Ok();
}

Status ReadString(const Json& obj, const char* key, std::string* out) {
  if (!Has(obj, key)) return Status::Ok();
  const Json& v = obj.at(key);
  if (!v.is_string()) return Wrong(key, "a string");
  *out = v.get<std::string>();
  return Status::Ok();
}

Status ReadStringList(const Json& obj, const char* key, std::vector<std::string>* out) {
  if (!Has(obj, key)) return Status::Ok();
  const Json& v = obj.at(key);
  if (v.is_string()) {
    *out = {v.get<std::string>()};
    return Status::Ok();
  }
  if (!v.is_array()) return Wrong(key, "a string or a list of strings");
  out->clear();
  for (const Json& s : v) {
    if (!s.is_string()) return Wrong(key, "a string or a list of strings");
    out->push_back(s.get<std::string>());
  }
  return Status::Ok();
}

Status ReadIntList(const Json& obj, const char* key, std::vector<int32_t>* out) {
  if (!Has(obj, key)) return Status::Ok();
  const Json& v = obj.at(key);
  if (!v.is_array()) return Wrong(key, "a list of integers");
  out->clear();
  for (const Json& x : v) {
    if (!x.is_number_integer()) return Wrong(key, "a list of integers");
    const int64_t i = x.get<int64_t>();
    if (i < 0 || i > std::numeric_limits<int32_t>::max()) return Wrong(key, "a list of token ids (>= 0)");
    out->push_back(static_cast<int32_t>(i));
  }
  return Status::Ok();
}

Result<Json> ParseBody(std::string_view body) {
  BoundedJson parsed = ParseBoundedJson(body);
  if (parsed.error == JsonParseError::kTooDeep || parsed.error == JsonParseError::kTooManyMembers)
    return InvalidArgument(JsonLimitMessage(parsed.error, "request body"));
  if (parsed.error == JsonParseError::kMalformed) {
    // nlohmann's lexer rejects ill-formed UTF-8 inside strings; say which problem it was.
    const std::string& what = parsed.message;
    if (what.find("UTF-8") != std::string::npos || what.find("utf-8") != std::string::npos)
      return InvalidArgument("request body is not valid UTF-8 JSON: " + what);
    return InvalidArgument("request body is not valid JSON: " + what);
  }
  if (!parsed.value.is_object()) return InvalidArgument("request body must be a JSON object");
  return std::move(parsed.value);
}

Result<Json> ParseJsonObject(const std::string& text, const std::string& what) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgument(what + " must be a JSON object, got '" + text + "'");
  return j;
}

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace vllm::api
