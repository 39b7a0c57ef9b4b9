// ApiError: an expected request failure on its way to the client as an HTTP status plus an
// error body in OpenAI's shape ({"error": {"message", "type", "param", "code"}}) or
// Anthropic's ({"type": "error", "error": {"type", "message"}}). Handlers return these as
// values; nothing throws across the HTTP thread boundary.
#pragma once

#include <string>

#include "util/status.h"

namespace vllm::api {

struct ApiError {
  int http_status = 400;
  std::string type = "invalid_request_error";  // OpenAI's error type
  std::string message;
  std::string param;  // "" -> null
  std::string code;   // "" -> null
  std::string anthropic_message;  // "" -> message; where Anthropic words an error its own way
};

ApiError BadRequest(std::string message, std::string param = "");
ApiError Unauthorized();
ApiError NotFound(std::string message, std::string code = "");
ApiError MethodNotAllowed(const std::string& method, const std::string& path);
ApiError PayloadTooLarge(size_t limit_bytes);
ApiError RateLimited(int retry_after_s);
ApiError Overloaded(std::string message);
ApiError Timeout(double seconds);
ApiError InternalError(std::string message);
ApiError HttpError(int status, std::string message);  // any other status, e.g. from the HTTP layer
// InvalidArgument / Unimplemented -> 400, NotFound -> 404, ResourceExhausted -> 503, else 500
// with a generic message (the status's own text goes to the log only).
// prompt + max_tokens over the context (OpenAI's code "context_length_exceeded" and wording;
// Anthropic's "prompt is too long: N tokens > M maximum"), naming the flags that raise it.
ApiError ContextLengthExceeded(int64_t prompt_tokens, int64_t max_tokens, int64_t max_model_len,
                               int64_t kv_cache_tokens);
ApiError FromStatus(const Status& st, std::string param = "");

std::string ToOpenAiJson(const ApiError& e);
std::string ToAnthropicJson(const ApiError& e);

}  // namespace vllm::api
