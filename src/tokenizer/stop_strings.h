// Stop strings over a stream of text deltas. A stop string may span any number of deltas
// (tokens), so the matcher holds back the shortest tail that could still grow into a
// stop string and releases everything before it.
//
// Semantics, chosen so the result never depends on how the text was cut into deltas:
// the stop that completes first (smallest end offset; on a tie the one starting first)
// ends the output. Text before it is emitted; the stop itself only with
// include_stop_str_in_output. Stop strings and deltas are UTF-8; a held tail is a prefix
// of a stop string and so always starts on a character boundary.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace vllm {

class StopStringMatcher {
 public:
  struct Output {
    std::string text;      // safe to send to the client now
    bool stopped = false;  // a stop string matched; the request should finish
    int stop_index = -1;   // which stop string (index into the constructor's list)
    size_t stop_offset = 0;  // byte offset of the stop string in all text fed so far
  };

  // Empty stop strings are ignored.
  explicit StopStringMatcher(std::vector<std::string> stop_strings,
                             bool include_stop_str_in_output = false);

  Output Feed(std::string_view delta);
  // At the end of generation (no stop matched): the held-back tail.
  std::string Flush();

  bool stopped() const { return stopped_; }
  size_t max_stop_length() const { return max_stop_length_; }

 private:
  std::vector<std::string> stops_;
  bool include_stop_;
  size_t max_stop_length_ = 0;
  std::string held_;
  size_t num_released_ = 0;  // bytes returned so far; held_ starts at this offset
  bool stopped_ = false;
};

}  // namespace vllm
