#include "api/bounded_json.h"

namespace vllm::api {

namespace {
// Thrown by the parser callback to stop at the first container past the limit; caught
// below on the same thread (the callback has no other way to abort the parse).
struct TooDeep {};
}  // namespace

BoundedJson ParseBoundedJson(std::string_view text, int max_depth) {
  BoundedJson out;
  // `depth` is the number of containers already open around the one starting.
  const Json::parser_callback_t limit = [max_depth](int depth, Json::parse_event_t event, Json&) {
    if ((event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start) &&
        depth >= max_depth)
      throw TooDeep{};
    return true;
  };
  try {
    out.value = Json::parse(text.begin(), text.end(), limit, /*allow_exceptions=*/true);
  } catch (const TooDeep&) {
    out.value = Json(Json::value_t::discarded);
    out.error = JsonParseError::kTooDeep;
  } catch (const nlohmann::json::exception& e) {
    out.value = Json(Json::value_t::discarded);
    out.error = JsonParseError::kMalformed;
    out.message = e.what();
  }
  return out;
}

}  // namespace vllm::api
