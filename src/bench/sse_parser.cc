#include "bench/sse_parser.h"

namespace vllm::bench {

void SseParser::Feed(std::string_view bytes, std::vector<SseEvent>* out) {
  for (const char c : bytes) {
    if (after_cr_) {
      after_cr_ = false;
      if (c == '\n') continue;  // second half of a \r\n line ending
    }
    if (c == '\r' || c == '\n') {
      after_cr_ = (c == '\r');
      ProcessLine(out);
      line_.clear();
    } else {
      line_.push_back(c);
    }
  }
}

void SseParser::ProcessLine(std::vector<SseEvent>* out) {
  if (line_.empty()) {
    // Blank line: dispatch. An event with no data field is dropped (per the spec).
    if (has_data_) out->push_back(std::move(pending_));
    pending_ = SseEvent{};
    has_fields_ = has_data_ = false;
    return;
  }
  if (line_[0] == ':') return;  // comment
  const size_t colon = line_.find(':');
  std::string_view field(line_), value;
  if (colon != std::string::npos) {
    field = std::string_view(line_).substr(0, colon);
    value = std::string_view(line_).substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
  }
  has_fields_ = true;
  if (field == "data") {
    if (has_data_) pending_.data.push_back('\n');
    pending_.data.append(value);
    has_data_ = true;
  } else if (field == "event") {
    pending_.event.assign(value);
  }
  // "id", "retry" and unknown fields do not matter to a benchmark client.
}

}  // namespace vllm::bench
