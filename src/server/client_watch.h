// Notices a client that hung up, without writing to it. cpp-httplib (0.11) hides the
// connection's socket from handlers, so we find it once per request: the socket whose local
// and peer ports are the request's (local_port, remote_port). A peer that closed its side
// makes recv(MSG_PEEK) return 0 at once, so a vanished client is seen at the next engine
// output or poll, even while its request only waits in the queue or is non-streaming.
// Data the client sends meanwhile (a pipelined request) is only peeked, never consumed.
#pragma once

#include <httplib.h>

namespace vllm::server {

class ClientWatch {
 public:
  explicit ClientWatch(const httplib::Request& req);
  // True once the peer closed the connection (or reset it).
  bool Gone() const;

 private:
  int fd_ = -1;  // -1: not found; then Gone() is always false and writes detect hang-ups
};

}  // namespace vllm::server
