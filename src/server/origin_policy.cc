#include "server/origin_policy.h"

#include <arpa/inet.h>

#include <cctype>

#include "server/http_message.h"

namespace vllm::server {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// "host:port" / "[v6]:port" / "host" -> host (brackets removed).
std::string_view HostName(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    const size_t close = host.find(']');
    return close == std::string_view::npos ? host : host.substr(1, close - 1);
  }
  const size_t colon = host.find(':');
  return colon == std::string_view::npos ? host : host.substr(0, colon);
}

bool IsIpLiteral(std::string_view name) {
  const std::string s(name);
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

bool IsLoopbackName(std::string_view name) {
  if (EqualsIgnoreCase(name, "localhost") || name == "::1") return true;
  const std::string s(name);
  unsigned char v4[4];
  return inet_pton(AF_INET, s.c_str(), v4) == 1 && v4[0] == 127;
}

bool IsWildcard(const std::string& bound) {
  return bound.empty() || bound == "0.0.0.0" || bound == "::";
}

// "http://localhost:3000" -> "localhost:3000"; "" when it is not http(s).
std::string_view OriginHost(std::string_view origin) {
  for (std::string_view scheme : {"http://", "https://"})
    if (origin.size() > scheme.size() && EqualsIgnoreCase(origin.substr(0, scheme.size()), scheme))
      return origin.substr(scheme.size());
  return "";
}

}  // namespace

bool HostAllowed(const ServerConfig& cfg, std::string_view host) {
  if (!cfg.api_key.empty()) return true;  // a key protects the API itself
  host = Trim(host);
  if (host.empty()) return true;  // HTTP/1.0 clients; browsers always send Host
  const std::string_view name = HostName(host);
  if (IsLoopbackName(name) || EqualsIgnoreCase(name, HostName(cfg.host))) return true;
  // Bound to every interface: clients use the machine's addresses. Rebinding needs a
  // DNS name, so IP literals stay allowed and names other than localhost do not.
  return IsWildcard(cfg.host) && IsIpLiteral(name);
}

bool OriginAllowed(const ServerConfig& cfg, std::string_view origin) {
  origin = Trim(origin);
  const std::string& list = cfg.allowed_origins;
  if (list.empty()) {  // the default
    if (!cfg.api_key.empty()) return true;
    const std::string_view host = OriginHost(origin);
    return !host.empty() && IsLoopbackName(HostName(host));
  }
  std::string_view rest = list;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string_view item = Trim(rest.substr(0, comma));
    if (item == "*" || EqualsIgnoreCase(item, origin)) return true;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return false;
}

bool SameOrigin(std::string_view origin, std::string_view host) {
  host = Trim(host);
  const std::string_view origin_host = OriginHost(Trim(origin));
  return !host.empty() && !origin_host.empty() && EqualsIgnoreCase(origin_host, host);
}

bool IsJsonContentType(std::string_view content_type) {
  std::string_view type = Trim(content_type.substr(0, content_type.find(';')));
  return EqualsIgnoreCase(type, "application/json");
}

}  // namespace vllm::server
