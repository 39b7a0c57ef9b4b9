// Everything `vllm-cpp serve` decides at startup about the HTTP side, as plain data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "api/json_fields.h"
#include "api/reasoning_parser.h"
#include "api/request_limits.h"

namespace vllm::server {

struct ServerConfig {
  std::string host = "127.0.0.1";
  int port = 8000;
  std::string served_model_name;
  std::string api_key;  // "" = no auth
  api::RequestLimits limits;
  size_t max_body_bytes = 16u << 20;  // larger bodies answer 413
  double timeout_s = 600;             // per request; 504 after it
  int32_t rate_limit_per_min = 0;     // per client address; 0 = off
  bool enable_metrics = false;
  std::optional<api::ReasoningStyle> reasoning;
  api::Json default_chat_template_kwargs = api::Json::object();
  int64_t max_waiting_requests = 1024;  // queue depth beyond which requests answer 503
  // One HTTP thread serves one connection for its whole life (cpp-httplib's model), so a
  // streaming client holds a thread until its stream ends: the pool must exceed the number
  // of concurrent streams we promise (>= 256) plus idle keep-alive connections.
  int32_t http_threads = 512;
};

}  // namespace vllm::server
