// What bench-serve learns from one streamed request: plain data, so the load generator, the
// statistics and the JSON/CSV writers share it and tests can build it by hand.
#pragma once

#include <cstdint>
#include <string>

namespace vllm::bench {

// Why a request did not complete. Errors are counted per configuration, never fatal.
enum class RequestError {
  kNone,
  kConnection,    // could not connect or send (refused, reset before any response)
  kHttpStatus,    // the server answered with a non-200 status
  kTimeout,       // no byte for the read timeout (--request-timeout)
  kBrokenStream,  // 200 and a stream that ended (EOF or read error) before "data: [DONE]"
  kStreamError,   // the stream carried an {"error": ...} event (e.g. the server's own timeout)
  kBadResponse,   // an event that is not the JSON of a chat.completion.chunk
};
const char* RequestErrorName(RequestError e);  // "connection", "http", "timeout", ...
inline constexpr RequestError kAllRequestErrors[] = {
    RequestError::kConnection, RequestError::kHttpStatus,  RequestError::kTimeout,
    RequestError::kBrokenStream, RequestError::kStreamError, RequestError::kBadResponse};

struct RequestRecord {
  int prompt_index = 0;  // into the configuration's prompt set
  RequestError error = RequestError::kNone;
  std::string error_message;
  int http_status = 0;  // 0 when no response head arrived
  // Seconds. t_start_s is since the configuration started; the others since this request's
  // start. A "token" time is the arrival of a chunk with non-empty delta content (or
  // reasoning content); chunks that arrive in one socket read share a timestamp.
  double t_start_s = 0;
  double t_first_token_s = -1;  // -1: no content arrived
  double t_last_token_s = -1;
  double e2e_s = 0;             // until "data: [DONE]" (or the failure)
  int64_t num_content_chunks = 0;
  // From the stream's usage chunk (stream_options.include_usage); -1 when the server sent none.
  int64_t prompt_tokens = -1;
  int64_t completion_tokens = -1;
  int64_t cached_tokens = -1;  // usage.prompt_tokens_details.cached_tokens
  std::string finish_reason;

  bool ok() const { return error == RequestError::kNone; }
  // Generated tokens: the server's count when it sent usage, else one per content chunk.
  int64_t OutputTokens() const { return completion_tokens >= 0 ? completion_tokens : num_content_chunks; }
};

}  // namespace vllm::bench
