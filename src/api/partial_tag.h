// Streaming tag detection helper shared by the reasoning and tool-call parsers.
#pragma once

#include <algorithm>
#include <string_view>

namespace vllm::api {

// Length of the longest suffix of `s` that is a proper prefix of `tag`: bytes a streaming
// parser must hold back because the next delta may complete the tag.
inline size_t PartialTagSuffix(std::string_view s, std::string_view tag) {
  for (size_t n = std::min(s.size(), tag.size() - 1); n > 0; --n)
    if (s.substr(s.size() - n) == tag.substr(0, n)) return n;
  return 0;
}

}  // namespace vllm::api
