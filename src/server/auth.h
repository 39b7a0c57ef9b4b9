// API-key check: "Authorization: Bearer KEY" (OpenAI clients) or "x-api-key: KEY"
// (Anthropic clients), compared in constant time so response timing leaks nothing.
#pragma once

#include <string>

#include "server/http_message.h"

namespace vllm::server {

bool Authorized(const Request& req, const std::string& api_key);

}  // namespace vllm::server
