#include "api/api_error.h"

#include <nlohmann/json.hpp>

#include "util/logging.h"

namespace vllm::api {

namespace {
ApiError Make(int status, std::string type, std::string message, std::string param = "", std::string code = "") {
  ApiError e;
  e.http_status = status;
  e.type = std::move(type);
  e.message = std::move(message);
  e.param = std::move(param);
  e.code = std::move(code);
  return e;
}
}  // namespace

ApiError BadRequest(std::string message, std::string param) {
  return Make(400, "invalid_request_error", std::move(message), std::move(param));
}

ApiError Unauthorized() {
  return Make(401, "authentication_error",
              "invalid or missing API key (send 'Authorization: Bearer KEY' or 'x-api-key: KEY')", "", "invalid_api_key");
}

ApiError NotFound(std::string message, std::string code) {
  return Make(404, "not_found_error", std::move(message), "", std::move(code));
}

ApiError MethodNotAllowed(const std::string& method, const std::string& path) {
  return Make(405, "invalid_request_error", "method " + method + " is not allowed on " + path);
}

ApiError PayloadTooLarge(size_t limit_bytes) {
  return Make(413, "invalid_request_error",
              "request body is larger than the server's limit of " + std::to_string(limit_bytes) + " bytes", "",
              "request_too_large");
}

ApiError RateLimited(int retry_after_s) {
  return Make(429, "rate_limit_error", "rate limit exceeded; retry after " + std::to_string(retry_after_s) + " s", "",
              "rate_limit_exceeded");
}

ApiError Overloaded(std::string message) {
  return Make(503, "overloaded_error", std::move(message), "", "server_overloaded");
}

ApiError Timeout(double seconds) {
  return Make(504, "timeout_error", "request did not finish within the server's timeout of " + std::to_string(seconds) + " s",
              "", "timeout");
}

ApiError InternalError(std::string message) {
  return Make(500, "internal_error", std::move(message));
}

ApiError HttpError(int status, std::string message) { return Make(status, "invalid_request_error", std::move(message)); }

ApiError ContextLengthExceeded(int64_t prompt_tokens, int64_t max_tokens, int64_t max_model_len,
                               int64_t kv_cache_tokens) {
  const int64_t total = prompt_tokens + max_tokens;
  std::string m = "This model's maximum context length is " + std::to_string(max_model_len) +
                  " tokens. However, you requested " + std::to_string(total) + " tokens (" +
                  std::to_string(prompt_tokens) + " in the messages, " + std::to_string(max_tokens) +
                  " in the completion). Please reduce the length of the messages or completion";
  m += prompt_tokens >= max_model_len ? "." : ", or leave max_tokens out (it defaults to the remaining context).";
  m += " The server's context is set by --max-model-len and bounded by the KV cache (--kv-cache-memory), which "
       "holds " + std::to_string(kv_cache_tokens) + " tokens.";
  ApiError e = Make(400, "invalid_request_error", std::move(m), "messages", "context_length_exceeded");
  e.anthropic_message = "prompt is too long: " + std::to_string(total) + " tokens > " + std::to_string(max_model_len) +
                        " maximum (" + std::to_string(prompt_tokens) + " prompt + " + std::to_string(max_tokens) +
                        " max_tokens; the server's context is set by --max-model-len and bounded by --kv-cache-memory)";
  return e;
}

ApiError FromStatus(const Status& st, std::string param) {
  switch (st.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kUnimplemented: return BadRequest(st.message(), std::move(param));
    case StatusCode::kNotFound: return NotFound(st.message());
    case StatusCode::kResourceExhausted: return Overloaded(st.message());
    default:
      // Internal failures can name files, paths or internals: the log gets them, not clients.
      LOG(ERROR) << "internal error answered 500: " << st.message();
      return InternalError("internal error");
  }
}

namespace {
nlohmann::json NullIfEmpty(const std::string& s) { return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s); }

// Anthropic names its error types by HTTP status.
std::string AnthropicType(int status) {
  switch (status) {
    case 400: case 405: return "invalid_request_error";
    case 401: return "authentication_error";
    case 404: return "not_found_error";
    case 413: return "request_too_large";
    case 429: return "rate_limit_error";
    case 503: return "overloaded_error";
    default: return "api_error";
  }
}
}  // namespace

std::string ToOpenAiJson(const ApiError& e) {
  nlohmann::ordered_json j = {{"error",
                               {{"message", e.message},
                                {"type", e.type},
                                {"param", NullIfEmpty(e.param)},
                                {"code", NullIfEmpty(e.code)}}}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string ToAnthropicJson(const ApiError& e) {
  nlohmann::ordered_json j = {{"type", "error"},
                              {"error", {{"type", AnthropicType(e.http_status)},
                                         {"message", e.anthropic_message.empty() ? e.message : e.anthropic_message}}}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace vllm::api
