// Route handlers. Each runs on an HTTP worker thread and never blocks on the engine: parse
// and validate the body, render and tokenize, submit to the engine, then answer with JSON,
// or leave an SSE session / pending reply that the StreamHub drives to the end.
#pragma once

#include "server/http_message.h"
#include "server/server_context.h"

namespace vllm::server {

void HandleChatCompletions(ServerContext& ctx, const Request& req, Response& res);
void HandleCompletions(ServerContext& ctx, const Request& req, Response& res);
void HandleResponses(ServerContext& ctx, const Request& req, Response& res);
// GET / DELETE /v1/responses/{id}, POST .../cancel: 404, nothing is stored.
void HandleStoredResponse(ServerContext& ctx, const Request& req, Response& res);
void HandleMessages(ServerContext& ctx, const Request& req, Response& res);
void HandleCountTokens(ServerContext& ctx, const Request& req, Response& res);
void HandleEmbeddings(ServerContext& ctx, const Request& req, Response& res);

void HandleHealth(ServerContext& ctx, const Request& req, Response& res);
void HandleVersion(ServerContext& ctx, const Request& req, Response& res);
void HandleModels(ServerContext& ctx, const Request& req, Response& res);
void HandleModel(ServerContext& ctx, const Request& req, Response& res);  // /v1/models/{id}
void HandleStatus(ServerContext& ctx, const Request& req, Response& res);
void HandleResetCache(ServerContext& ctx, const Request& req, Response& res);
void HandleMetrics(ServerContext& ctx, const Request& req, Response& res);
void HandleTokenize(ServerContext& ctx, const Request& req, Response& res);
void HandleDetokenize(ServerContext& ctx, const Request& req, Response& res);
// The server-wide part of /v1/status: uptime, process memory, recent TTFT / TPOT percentiles.
api::Json ServerStatusJson(const ServerContext& ctx);
void HandleWebPage(ServerContext& ctx, const Request& req, Response& res);  // /, /dashboard, /web/*

}  // namespace vllm::server
