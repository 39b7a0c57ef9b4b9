// API-key check: "Authorization: Bearer KEY" (OpenAI clients) or "x-api-key: KEY"
// (Anthropic clients), compared in constant time so response timing leaks nothing.
#pragma once

#include <httplib.h>

#include <string>

namespace vllm::server {

bool Authorized(const httplib::Request& req, const std::string& api_key);

}  // namespace vllm::server
