// Client-side server-sent-events framing (the WHATWG event-stream grammar, the parts a chat
// stream uses): bytes arrive in arbitrary pieces from the socket, events come out whole.
// Lines end in \n, \r\n or \r; a blank line dispatches the event; "data:" lines of one event
// are joined with \n; lines starting with ':' are comments (keep-alives); "event:" names it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vllm::bench {

struct SseEvent {
  std::string event;  // empty when the event had no "event:" field
  std::string data;
};

class SseParser {
 public:
  // Appends the events completed by `bytes` to *out. Partial lines wait for the next call.
  void Feed(std::string_view bytes, std::vector<SseEvent>* out);
  // True when bytes of an unfinished event are pending (a stream that ends here was cut).
  bool HasPartialEvent() const { return !line_.empty() || has_fields_; }

 private:
  void ProcessLine(std::vector<SseEvent>* out);

  std::string line_;
  bool after_cr_ = false;  // the previous byte was '\r' (a following '\n' belongs to it)
  bool has_fields_ = false;
  bool has_data_ = false;
  SseEvent pending_;
};

}  // namespace vllm::bench
