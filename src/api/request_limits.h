// Server-wide defaults and limits that request parsing applies (from `vllm-cpp serve` flags).
#pragma once

#include <cstdint>
#include <optional>

namespace vllm::api {

// Most choices one request may ask for (n, or prompts x n for completions): each is a full
// sequence in the engine, so an unbounded n is a denial of service.
inline constexpr int32_t kMaxChoices = 16;

struct RequestLimits {
  int32_t default_max_tokens = 256;    // when a request gives no max_tokens
  int32_t max_request_tokens = 32768;  // the most max_tokens a request may ask for
  std::optional<float> default_temperature, default_top_p;
  std::optional<int32_t> default_top_k;
};

}  // namespace vllm::api
