#include "server/router.h"

#include <exception>

#include "server/auth.h"
#include "server/handlers.h"
#include "server/http_util.h"
#include "server/model_router.h"
#include "server/origin_policy.h"
#include "util/logging.h"

namespace vllm::server {

namespace {

using HandlerFn = void (*)(ServerContext&, const Request&, Response&);

struct Route {
  const char* method;
  const char* path;
  HandlerFn fn;
  bool needs_auth;
  bool counts_for_rate_limit;
  bool per_model = true;  // false: answered by the server itself, never by a model's context
};

const Route kRoutes[] = {
    {"GET", "/health", HandleHealth, false, false},
    {"GET", "/v1/models", HandleModels, true, true},
    {"GET", "/v1/models/*", HandleModel, true, true},  // '*': the rest of the path (ids hold '/')
    {"POST", "/v1/chat/completions", HandleChatCompletions, true, true},
    {"POST", "/v1/completions", HandleCompletions, true, true},
    {"POST", "/v1/responses", HandleResponses, true, true},
    // Nothing is stored: answered by the server itself (404), whichever models it serves.
    {"GET", "/v1/responses/*", HandleStoredResponse, true, true, false},
    {"DELETE", "/v1/responses/*", HandleStoredResponse, true, true, false},
    {"POST", "/v1/responses/*", HandleStoredResponse, true, true, false},  // .../cancel
    {"POST", "/v1/messages", HandleMessages, true, true},
    {"POST", "/v1/embeddings", HandleEmbeddings, true, true},
    {"POST", "/v1/messages/count_tokens", HandleCountTokens, true, true},
    {"POST", "/tokenize", HandleTokenize, true, true},
    {"POST", "/detokenize", HandleDetokenize, true, true},
    {"GET", "/metrics", HandleMetrics, false, false},
    {"GET", "/v1/status", HandleStatus, true, false},
    {"DELETE", "/v1/cache", HandleResetCache, true, false},
    {"GET", "/version", HandleVersion, false, false, false},
    // Un-prefixed aliases of the OpenAI routes (llama.cpp's server serves them too).
    {"GET", "/models", HandleModels, true, true},
    {"POST", "/chat/completions", HandleChatCompletions, true, true},
    {"POST", "/completions", HandleCompletions, true, true},
    {"POST", "/responses", HandleResponses, true, true},
    {"POST", "/embeddings", HandleEmbeddings, true, true},
    // The web UI (server/web_assets.h): static, no key needed to load it; its API calls
    // carry the key the user enters.
    {"GET", "/", HandleWebPage, false, false, false},
    {"GET", "/dashboard", HandleWebPage, false, false, false},
    {"GET", "/web/*", HandleWebPage, false, false, false},
};

bool Matches(const Route& r, const std::string& path) {
  const std::string_view pattern = r.path;
  if (!pattern.empty() && pattern.back() == '*')
    return path.size() >= pattern.size() &&
           path.compare(0, pattern.size() - 1, pattern.substr(0, pattern.size() - 1)) == 0;
  return path == pattern;
}

std::string AllowedMethods(const std::string& path) {
  std::string allow;
  for (const Route& r : kRoutes)
    if (Matches(r, path)) allow += (allow.empty() ? "" : ", ") + std::string(r.method);
  return allow;
}

// An OPTIONS request with an allowed Origin on a known path: the CORS preflight answer.
void AnswerPreflight(const Request& req, Response& res) {
  res.status = 204;
  res.content_type.clear();
  res.SetHeader("Access-Control-Allow-Methods", AllowedMethods(req.path) + ", OPTIONS");
  const std::string asked = req.Header("Access-Control-Request-Headers");
  res.SetHeader("Access-Control-Allow-Headers",
                asked.empty() ? "Authorization, Content-Type, x-api-key" : asked);
  res.SetHeader("Access-Control-Max-Age", "600");
}

void RouteAndHandle(ServerContext& ctx, const Request& req, Response& res, std::string* route) {
  const ErrorStyle style = IsAnthropicPath(req.path) ? ErrorStyle::kAnthropic : ErrorStyle::kOpenAi;
  if (!HostAllowed(ctx.config, req.Header("Host")))
    return ReplyError(
        res,
        api::HttpError(403, "Host '" + req.Header("Host") +
                                "' is not served: without --api-key only the bound address and "
                                "localhost are (DNS-rebinding protection)"),
        style);
  const std::string origin = req.Header("Origin");
  if (!origin.empty()) {
    if (!OriginAllowed(ctx.config, origin) && !SameOrigin(origin, req.Header("Host")))
      return ReplyError(
          res, api::HttpError(403, "origin '" + origin + "' is not allowed (--allowed-origins)"),
          style);
    res.SetHeader("Access-Control-Allow-Origin", origin);
    res.SetHeader("Vary", "Origin");
  }
  const Route* match = nullptr;
  bool path_known = false;
  // HEAD runs the GET handler; its body is dropped below.
  const bool head = req.method == "HEAD";
  for (const Route& r : kRoutes) {
    if (!Matches(r, req.path)) continue;
    path_known = true;
    if (req.method == r.method || (head && std::string_view(r.method) == "GET")) match = &r;
  }
  if (!path_known)
    return ReplyError(res, api::NotFound("no route for " + req.method + " " + req.path), style);
  *route = RouteOf(req.path);
  if (!match && req.method == "OPTIONS" && !origin.empty()) return AnswerPreflight(req, res);
  if (!match) {
    res.SetHeader("Allow", AllowedMethods(req.path));
    return ReplyError(res, api::MethodNotAllowed(req.method, req.path), style);
  }
  if (match->needs_auth && !ctx.config.api_key.empty() && !Authorized(req, ctx.config.api_key))
    return ReplyError(res, api::Unauthorized(), style);
  if (req.method == "POST" && !IsJsonContentType(req.Header("Content-Type")))
    return ReplyError(
        res, api::HttpError(415, "request bodies must be sent as 'Content-Type: application/json'"),
        style);
  if (match->counts_for_rate_limit && ctx.rate_limiter) {
    if (const int wait = ctx.rate_limiter->Admit(req.remote_addr); wait > 0) {
      res.SetHeader("Retry-After", std::to_string(wait));
      return ReplyError(res, api::RateLimited(wait), style);
    }
  }
  try {
    if (ctx.router && match->per_model) ctx.router->Serve(req, res, match->fn);  // several models: the named one's context
    else match->fn(ctx, req, res);
    if (head) res.body.clear();
  } catch (const std::exception& e) {
    // Handlers return errors as values; this is a bug, but it must not end the server, and
    // its text (paths, internals) is for the log, not the client.
    LOG(ERROR) << req.method << " " << req.path << " threw: " << e.what();
    res = Response{};
    ReplyError(res, api::InternalError("internal error"), style);
  } catch (...) {
    LOG(ERROR) << req.method << " " << req.path << " threw a non-standard exception";
    res = Response{};
    ReplyError(res, api::InternalError("internal error"), style);
  }
}

}  // namespace

bool IsAnthropicPath(const std::string& path) { return path.rfind("/v1/messages", 0) == 0; }

std::string RouteOf(const std::string& path) {
  for (const Route& r : kRoutes)
    if (Matches(r, path)) return r.path;
  return "unknown";
}

void Dispatch(ServerContext& ctx, const Request& req, Response& res) {
  std::string route = "unknown";
  RouteAndHandle(ctx, req, res, &route);
  // A pending reply's status is known when it finishes: the hub counts it then. Streams
  // count as 200 here: their status line is sent before the first token.
  if (res.pending)
    res.metrics_route = route;
  else
    ctx.metrics.CountRequest(route, res.status);
}

}  // namespace vllm::server
