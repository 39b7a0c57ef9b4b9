// Glue between a streaming handler and cpp-httplib's chunked content provider. The
// provider runs on the connection's HTTP thread, repeatedly, until the handler's Step()
// reports the stream complete. A failed write means the client went away: the pump aborts
// its engine requests at once (their blocks go back to the pool on the engine's next step),
// and the releaser does the same for any other early end (server stop).
#pragma once

#include <httplib.h>

#include <functional>
#include <memory>
#include <string>

#include "server/server_context.h"

namespace vllm::server {

class SseSession {
 public:
  virtual ~SseSession() = default;
  // Appends the next events to *out; returns false once the stream is complete (after the
  // final events were appended). Must not block longer than ~50 ms.
  virtual bool Step(std::string* out) = 0;
  // The client is gone or the server stops before Step() finished: abort engine work.
  virtual void Cancel() = 0;
};

void ServeSse(ServerContext& ctx, httplib::Response& res, std::shared_ptr<SseSession> session);

}  // namespace vllm::server
