#include "bench/server_url.h"

#include <charconv>

namespace vllm::bench {

std::string ServerUrl::ToString() const { return "http://" + host + ":" + std::to_string(port) + prefix; }

Result<ServerUrl> ParseServerUrl(const std::string& url) {
  auto bad = [&](const std::string& why) { return InvalidArgument("--url '" + url + "': " + why); };
  const std::string scheme = "http://";
  if (url.rfind("https://", 0) == 0) return bad("https is not supported (use plain http)");
  if (url.rfind(scheme, 0) != 0) return bad("expected http://HOST[:PORT][/v1]");
  std::string rest = url.substr(scheme.size());
  const size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  std::string path = slash == std::string::npos ? "" : rest.substr(slash);
  if (path.find_first_of("?#") != std::string::npos) return bad("query strings and fragments are not allowed");
  ServerUrl u;
  const size_t colon = authority.rfind(':');
  if (colon != std::string::npos) {
    const std::string port = authority.substr(colon + 1);
    int value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value < 1 || value > 65535)
      return bad("port '" + port + "' is not a number in 1..65535");
    u.port = value;
    authority.resize(colon);
  }
  if (authority.empty()) return bad("no host");
  if (authority.find_first_of("[]@") != std::string::npos) return bad("IPv6 literals and user info are not supported");
  u.host = authority;
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (path.size() >= 3 && path.compare(path.size() - 3, 3, "/v1") == 0) path.resize(path.size() - 3);
  u.prefix = path;
  return u;
}

}  // namespace vllm::bench
