// One streamed chat completion against any OpenAI-compatible server:
// POST {prefix}/v1/chat/completions with stream: true and stream_options.include_usage, timed
// from the moment the request is sent. Every failure becomes a RequestRecord error (never an
// exception or an abort), so a load run counts what went wrong and carries on.
#pragma once

#include <memory>
#include <string>

#include "bench/http_client.h"
#include "bench/request_record.h"

namespace vllm::bench {

struct ChatStreamRequest {
  std::string model;
  std::string prompt;  // sent as one user message
  int max_tokens = 256;
  double temperature = 0.0;
  // vLLM's extension (ours too): generate exactly max_tokens. Sent only when true, since
  // strict OpenAI servers reject unknown fields.
  bool ignore_eos = false;
  // The response_format object to send (compact JSON text; "" = none): bench-serve
  // --response-format measures what constrained decoding costs.
  std::string response_format;
};

// Owns one keep-alive connection: not thread-safe, one per load-generator worker.
class ChatStreamClient {
 public:
  ChatStreamClient(const ServerUrl& url, ClientOptions opts);
  ~ChatStreamClient();
  ChatStreamClient(const ChatStreamClient&) = delete;
  ChatStreamClient& operator=(const ChatStreamClient&) = delete;

  // Blocks until the stream ends. prompt_index and t_start_s are left for the caller.
  RequestRecord Send(const ChatStreamRequest& req);

 private:
  ServerUrl url_;
  ClientOptions opts_;
  std::unique_ptr<httplib::Client> http_;
};

// The JSON body Send() posts (exposed for tests and for the docs' schema).
std::string ChatStreamBody(const ChatStreamRequest& req);

}  // namespace vllm::bench
