#include "tokenizer/stop_strings.h"

#include <utility>

namespace vllm {

StopStringMatcher::StopStringMatcher(std::vector<std::string> stop_strings,
                                     bool include_stop_str_in_output)
    : include_stop_(include_stop_str_in_output) {
  for (auto& s : stop_strings) {
    // Keep indices stable for the caller even when some entries are empty.
    max_stop_length_ = std::max(max_stop_length_, s.size());
    stops_.push_back(std::move(s));
  }
}

StopStringMatcher::Output StopStringMatcher::Feed(std::string_view delta) {
  Output out;
  if (stopped_) {
    out.stopped = true;
    return out;
  }
  std::string text = std::move(held_);
  held_.clear();
  const size_t old_size = text.size();
  text.append(delta);

  // The held text contains no complete stop (else we would have stopped), so a match
  // must end inside `delta`: start searching where such a match could begin.
  size_t best_end = std::string::npos, best_begin = 0;
  int best_index = -1;
  for (size_t k = 0; k < stops_.size(); ++k) {
    const std::string& stop = stops_[k];
    if (stop.empty() || stop.size() > text.size()) continue;
    const size_t from = old_size + 1 > stop.size() ? old_size + 1 - stop.size() : 0;
    const size_t begin = text.find(stop, from);
    if (begin == std::string::npos) continue;
    const size_t end = begin + stop.size();
    if (end < best_end || (end == best_end && begin < best_begin)) {
      best_end = end;
      best_begin = begin;
      best_index = static_cast<int>(k);
    }
  }
  if (best_index >= 0) {
    stopped_ = true;
    out.stopped = true;
    out.stop_index = best_index;
    out.stop_offset = num_released_ + best_begin;
    out.text = text.substr(0, include_stop_ ? best_end : best_begin);
    num_released_ += out.text.size();
    return out;
  }

  // Hold the longest tail that is a proper prefix of some stop string.
  size_t hold = 0;
  for (const std::string& stop : stops_) {
    const size_t max_len = std::min(stop.size() - (stop.empty() ? 0 : 1), text.size());
    for (size_t len = max_len; len > hold; --len) {
      if (text.compare(text.size() - len, len, stop, 0, len) == 0) {
        hold = len;
        break;
      }
    }
  }
  held_ = text.substr(text.size() - hold);
  text.resize(text.size() - hold);
  num_released_ += text.size();
  out.text = std::move(text);
  return out;
}

std::string StopStringMatcher::Flush() {
  std::string text = std::move(held_);
  held_.clear();
  return stopped_ ? std::string() : text;
}

}  // namespace vllm
