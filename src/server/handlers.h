// Route handlers. Each runs on an HTTP thread: parse and validate the body, render and
// tokenize, submit to the engine, then answer (JSON, or SSE through a chunked provider).
#pragma once

#include <httplib.h>

#include "server/server_context.h"

namespace vllm::server {

void HandleChatCompletions(ServerContext& ctx, const httplib::Request& req, httplib::Response& res);
void HandleCompletions(ServerContext& ctx, const httplib::Request& req, httplib::Response& res);
void HandleMessages(ServerContext& ctx, const httplib::Request& req, httplib::Response& res);
void HandleCountTokens(ServerContext& ctx, const httplib::Request& req, httplib::Response& res);

void HandleHealth(ServerContext& ctx, const httplib::Request& req, httplib::Response& res);
void HandleModels(ServerContext& ctx, const httplib::Request& req, httplib::Response& res);
void HandleModel(ServerContext& ctx, const httplib::Request& req, httplib::Response& res);  // /v1/models/{id}
void HandleStatus(ServerContext& ctx, const httplib::Request& req, httplib::Response& res);
void HandleResetCache(ServerContext& ctx, const httplib::Request& req, httplib::Response& res);
void HandleMetrics(ServerContext& ctx, const httplib::Request& req, httplib::Response& res);
void HandleTokenize(ServerContext& ctx, const httplib::Request& req, httplib::Response& res);
void HandleDetokenize(ServerContext& ctx, const httplib::Request& req, httplib::Response& res);

}  // namespace vllm::server
