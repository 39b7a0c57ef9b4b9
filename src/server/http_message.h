// The request a handler reads and the response it fills, as plain data: the HTTP layer
// (http_connection.cc) parses into Request and serializes Response, so handlers never see
// the socket library. A handler that cannot answer at once (generation) leaves a `stream`
// (SSE, sent as it comes) or a `pending` reply (sent when the engine finishes); the
// StreamHub drives both without holding a thread per request.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vllm::server {

struct Request {
  std::string method;
  std::string path;  // without the query string
  std::string body;
  std::string remote_addr;
  std::vector<std::pair<std::string, std::string>> headers;

  // The first value of a header (names compare case-insensitively), or "" when absent.
  std::string Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
};

struct Response;

// A streamed (SSE) response: Step() appends the next events to *out without blocking and
// returns false once the stream is complete (after its final events were appended).
class SseSession {
 public:
  virtual ~SseSession() = default;
  virtual bool Step(std::string* out) = 0;
  // The client is gone or the server stops before Step() finished: abort engine work.
  virtual void Cancel() = 0;
};

// A reply that waits for the engine: Poll() returns true, without blocking, once *res holds
// the whole response.
class PendingReply {
 public:
  virtual ~PendingReply() = default;
  virtual bool Poll(Response* res) = 0;
  virtual void Cancel() = 0;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::shared_ptr<SseSession> stream;     // set: 200 text/event-stream, chunked, from the hub
  std::shared_ptr<PendingReply> pending;  // set: the reply comes later, from the hub
  std::string metrics_route;              // a pending reply's route label, counted when it ends

  void SetHeader(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
  void SetContent(std::string b, std::string type) {
    body = std::move(b);
    content_type = std::move(type);
  }
};

bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace vllm::server
