// Server-wide defaults and limits that request parsing applies (from `vllm-cpp serve` flags).
// The count limits bound what one request can cost: every stop string is matched and every
// logit_bias entry applied once per generated token on the engine thread, so their counts
// are the engine's per-token cost; messages, content parts and tools bound the work of
// normalizing and rendering a prompt. Each violation is a 400 naming the field and limit.
#pragma once

#include <cstdint>
#include <optional>

namespace vllm::api {

// Most choices one request may ask for (n, or prompts x n for completions): each is a full
// sequence in the engine, so an unbounded n is a denial of service.
inline constexpr int32_t kMaxChoices = 16;

struct RequestLimits {
  // A request that gives no max_tokens gets the remaining context (prompt + max_tokens =
  // max_model_len, as vLLM and OpenAI do), capped by this when > 0 (--max-tokens).
  int32_t default_max_tokens = 0;
  int32_t max_request_tokens = 32768;  // the most max_tokens a request may ask for
  std::optional<float> default_temperature, default_top_p;
  std::optional<int32_t> default_top_k;
  int32_t max_messages = 2048;        // messages (after the Anthropic conversion too)
  int32_t max_content_parts = 1024;   // content parts / blocks of one message
  int32_t max_tools = 256;
  int32_t max_stop = 16;              // entries of stop / stop_sequences
  int32_t max_stop_bytes = 256;       // bytes of one stop string
  int32_t max_stop_token_ids = 64;
  int32_t max_logit_bias = 300;       // entries (OpenAI's own limit)
};

}  // namespace vllm::api
