// Routing and the checks every request passes before its handler, in this order:
// Host (DNS rebinding) -> Origin (CORS; OPTIONS preflights answered here) -> route (404,
// 405) -> auth (401) -> Content-Type of POST bodies (415) -> rate limit (429) -> handler.
// A handler that throws (a bug: handlers return errors as values) answers 500 with no
// internal detail; the exception text goes to the log only.
#pragma once

#include <string>

#include "server/http_message.h"
#include "server/server_context.h"

namespace vllm::server {

// Runs on a worker thread. Fills `res` (perhaps leaving a stream or pending reply).
void Dispatch(ServerContext& ctx, const Request& req, Response& res);

// The route pattern a path falls under (metrics labels stay few), or "unknown".
std::string RouteOf(const std::string& path);

// OpenAI error JSON, or Anthropic's for /v1/messages paths.
bool IsAnthropicPath(const std::string& path);

}  // namespace vllm::server
