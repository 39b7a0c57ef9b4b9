// The --url of bench-serve: where an OpenAI-compatible server listens. Accepts the server's
// root ("http://host:8000") or its API base ("http://host:8000/v1", what OpenAI SDKs take);
// both address the same routes. Plain HTTP only: the project's cpp-httplib is built without
// TLS, and benchmarks normally run next to the server.
#pragma once

#include <string>

#include "util/status.h"

namespace vllm::bench {

struct ServerUrl {
  std::string host;
  int port = 80;
  std::string prefix;  // path before "/v1/...", no trailing '/' ("" or e.g. "/proxy")

  std::string Path(const std::string& route) const { return prefix + route; }  // route starts with '/'
  std::string ToString() const;  // "http://host:port{prefix}"
};

Result<ServerUrl> ParseServerUrl(const std::string& url);

}  // namespace vllm::bench
