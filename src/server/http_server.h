// The HTTP listener: an event loop (Boost.Asio, HTTP/1.1 parsing by Boost.Beast) on
// ServerConfig::http_threads threads, holding every connection without a thread each.
//
//   accept -> HttpConnection (event loop: read with deadlines, write, notice hang-ups)
//          -> WorkQueue (http_workers threads: Dispatch = checks, parse, template, submit)
//          -> a whole reply, or an SSE stream / pending reply driven by the StreamHub
//
// Past max_connections a new connection is answered 503 and closed; a full worker queue
// answers 503 too. docs/ARCHITECTURE.md (server) says why Beast and not libh2o or
// libmicrohttpd.
#pragma once

#include <memory>

#include "server/server_context.h"

namespace vllm::server {

class HttpServer {
 public:
  explicit HttpServer(ServerContext* ctx);
  ~HttpServer();
  // Binds; false (with the reason logged) when the address is taken or invalid.
  bool Bind();
  // Serves until Stop(); returns once the event-loop threads have ended.
  void Run();
  // Any thread: stop accepting, let open streams write their tails (bounded), then end.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vllm::server
