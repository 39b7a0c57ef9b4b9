// Everything `vllm-cpp serve` decides at startup about the HTTP side, as plain data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/json_fields.h"
#include "api/reasoning_parser.h"
#include "api/request_limits.h"

namespace vllm::server {

// GET /version (vLLM and llama.cpp's servers answer it too).
inline constexpr const char* kVllmCppVersion = "0.1.0";

struct ServerConfig {
  std::string host = "127.0.0.1";
  int port = 8000;
  std::string served_model_name;
  std::vector<std::string> served_model_aliases;  // further names of the same model
  std::string api_key;  // "" = no auth
  api::RequestLimits limits;
  size_t max_body_bytes = 16u << 20;  // larger bodies answer 413
  double timeout_s = 600;             // per request; 504 after it
  int32_t rate_limit_per_min = 0;     // per client address; 0 = off
  bool enable_metrics = false;
  std::optional<api::ReasoningStyle> reasoning;
  api::Json default_chat_template_kwargs = api::Json::object();
  int64_t max_waiting_requests = 1024;  // queue depth beyond which requests answer 503
  // Event-loop threads: they only move bytes, so a few hold thousands of connections.
  int32_t http_threads = 2;
  // Threads that parse, render templates and tokenize (never wait on the engine).
  int32_t http_workers = 4;
  int32_t max_queued_requests = 1024;         // read requests waiting for a worker; 503 beyond
  int64_t max_queued_bytes = int64_t{256} << 20;  // ... and their bodies' bytes
  int64_t max_connections = 8192;     // open connections; a new one beyond answers 503
  double request_read_timeout_s = 30; // header and body of one request (slowloris: 408)
  double keep_alive_timeout_s = 5;    // an idle connection closes after it
  // CORS: "" = the default (any origin with an API key, else local origins only), "*" =
  // any, or a comma-separated list of origins. origin_policy.h says why.
  std::string allowed_origins;
  // /v1/embeddings pooling: "" = the checkpoint's sentence-transformers config, else last;
  // or last | mean | cls (--pooling).
  std::string pooling;
};

}  // namespace vllm::server
