#include "server/http_message.h"

#include <cctype>

namespace vllm::server {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::string Request::Header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (EqualsIgnoreCase(k, name)) return v;
  return "";
}

bool Request::HasHeader(std::string_view name) const {
  for (const auto& h : headers)
    if (EqualsIgnoreCase(h.first, name)) return true;
  return false;
}

}  // namespace vllm::server
