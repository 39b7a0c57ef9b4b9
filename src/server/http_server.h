// The HTTP listener: cpp-httplib with a fixed pool of ServerConfig::http_threads threads.
// One thread serves one connection (blocking I/O); a streaming response holds its thread
// until the stream ends, so the pool bounds concurrent streams (>= 256 by default: 512).
// An event loop would need a different library; at a few hundred streams threads are cheap
// (mostly asleep on their request's OutputStream).
//
// Routing is ours, not httplib's: every method on every path reaches Dispatch(), which
// answers 404 for unknown paths and 405 for known paths with the wrong method, checks auth
// and the rate limit, and turns any exception a handler leaks into a 500 (none should).
#pragma once

#include <httplib.h>

#include <memory>

#include "server/server_context.h"

namespace vllm::server {

class HttpServer {
 public:
  explicit HttpServer(ServerContext* ctx);
  // Binds; false (with the reason logged) when the address is taken or invalid.
  bool Bind();
  // Serves until Stop(); returns after in-flight connections finished.
  void Run();
  void Stop();

 private:
  void Dispatch(const httplib::Request& req, httplib::Response& res);
  ServerContext* ctx_;
  httplib::Server http_;
};

}  // namespace vllm::server
