// Server-sent events framing. Payloads are compact JSON, which never holds a raw newline,
// so each event is a single "data:" line followed by the blank line that ends it.
#pragma once

#include <string>
#include <string_view>

namespace vllm::api {

// "data: {payload}\n\n" (OpenAI streams)
std::string SseData(std::string_view payload);
// "event: {name}\ndata: {payload}\n\n" (Anthropic streams)
std::string SseEvent(std::string_view name, std::string_view payload);
// The terminator OpenAI clients wait for, also sent after an error mid-stream.
inline constexpr std::string_view kSseDone = "data: [DONE]\n\n";

}  // namespace vllm::api
