#include "api/sse.h"

namespace vllm::api {

std::string SseData(std::string_view payload) {
  std::string s;
  s.reserve(payload.size() + 8);
  s.append("data: ").append(payload).append("\n\n");
  return s;
}

std::string SseEvent(std::string_view name, std::string_view payload) {
  std::string s;
  s.reserve(name.size() + payload.size() + 16);
  s.append("event: ").append(name).append("\ndata: ").append(payload).append("\n\n");
  return s;
}

}  // namespace vllm::api
