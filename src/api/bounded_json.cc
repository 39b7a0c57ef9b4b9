#include "api/bounded_json.h"

#include <vector>

namespace vllm::api {

namespace {
// Thrown by the parser callback to stop at the first value past a limit; caught below on
// the same thread (the callback has no other way to abort the parse).
struct LimitHit {
  JsonParseError error;
};
}  // namespace

std::string JsonLimitMessage(JsonParseError error, const std::string& what) {
  if (error == JsonParseError::kTooManyMembers)
    return what + " has a JSON object with more than " + std::to_string(kMaxJsonObjectMembers) +
           " members (this server's limit)";
  return what + " nests JSON deeper than " + std::to_string(kMaxJsonDepth) + " levels (this server's limit)";
}

BoundedJson ParseBoundedJson(std::string_view text, int max_depth, int max_members) {
  BoundedJson out;
  // Members seen in each open object, innermost last (arrays push nothing).
  std::vector<int> members;
  members.reserve(static_cast<size_t>(max_depth));
  // `depth` is the number of containers already open around the one starting.
  const Json::parser_callback_t limit = [&](int depth, Json::parse_event_t event, Json&) {
    using E = Json::parse_event_t;
    if ((event == E::object_start || event == E::array_start) && depth >= max_depth)
      throw LimitHit{JsonParseError::kTooDeep};
    if (event == E::object_start) members.push_back(0);
    if (event == E::object_end) members.pop_back();
    if (event == E::key && ++members.back() > max_members) throw LimitHit{JsonParseError::kTooManyMembers};
    return true;
  };
  try {
    out.value = Json::parse(text.begin(), text.end(), limit, /*allow_exceptions=*/true);
  } catch (const LimitHit& hit) {
    out.value = Json(Json::value_t::discarded);
    out.error = hit.error;
  } catch (const nlohmann::json::exception& e) {
    out.value = Json(Json::value_t::discarded);
    out.error = JsonParseError::kMalformed;
    out.message = e.what();
  }
  return out;
}

}  // namespace vllm::api
