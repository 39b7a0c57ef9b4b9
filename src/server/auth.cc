#include "server/auth.h"

namespace vllm::server {

namespace {
bool ConstantTimeEqual(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i % (b.empty() ? 1 : b.size())]);
  return diff == 0 && !b.empty();
}
}  // namespace

bool Authorized(const Request& req, const std::string& api_key) {
  const std::string bearer = req.Header("Authorization");
  constexpr std::string_view kPrefix = "Bearer ";
  if (bearer.size() > kPrefix.size() && bearer.compare(0, kPrefix.size(), kPrefix) == 0 &&
      ConstantTimeEqual(bearer.substr(kPrefix.size()), api_key))
    return true;
  const std::string x = req.Header("x-api-key");
  return !x.empty() && ConstantTimeEqual(x, api_key);
}

}  // namespace vllm::server
