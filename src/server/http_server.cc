#include "server/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <exception>
#include <string>

#include "server/auth.h"
#include "server/handlers.h"
#include "server/http_util.h"
#include "server/model_router.h"
#include "util/logging.h"

namespace vllm::server {

namespace {

using HandlerFn = void (*)(ServerContext&, const httplib::Request&, httplib::Response&);

struct Route {
  const char* method;
  const char* path;
  HandlerFn fn;
  bool needs_auth;
  bool counts_for_rate_limit;
};

const Route kRoutes[] = {
    {"GET", "/health", HandleHealth, false, false},
    {"GET", "/v1/models", HandleModels, true, true},
    {"GET", "/v1/models/*", HandleModel, true, true},  // '*': the rest of the path (ids hold '/')
    {"POST", "/v1/chat/completions", HandleChatCompletions, true, true},
    {"POST", "/v1/completions", HandleCompletions, true, true},
    {"POST", "/v1/messages", HandleMessages, true, true},
    {"POST", "/v1/messages/count_tokens", HandleCountTokens, true, true},
    {"POST", "/tokenize", HandleTokenize, true, true},
    {"POST", "/detokenize", HandleDetokenize, true, true},
    {"GET", "/metrics", HandleMetrics, false, false},
    {"GET", "/v1/status", HandleStatus, true, false},
    {"DELETE", "/v1/cache", HandleResetCache, true, false},
};

bool Matches(const Route& r, const std::string& path) {
  const std::string_view pattern = r.path;
  if (!pattern.empty() && pattern.back() == '*')
    return path.size() >= pattern.size() && path.compare(0, pattern.size() - 1, pattern.substr(0, pattern.size() - 1)) == 0;
  return path == pattern;
}

// The route pattern a path falls under (metrics labels stay few), or "" when none.
std::string RouteOf(const std::string& path) {
  for (const Route& r : kRoutes)
    if (Matches(r, path)) return r.path;
  return "";
}

bool IsAnthropicPath(const std::string& path) { return path.rfind("/v1/messages", 0) == 0; }

ErrorStyle StyleFor(const std::string& path) { return IsAnthropicPath(path) ? ErrorStyle::kAnthropic : ErrorStyle::kOpenAi; }

// cpp-httplib 0.11 listens with a backlog of 5 (a compile-time constant of the packaged
// library) and does not expose its socket. When many clients connect at once, the excess
// SYNs are dropped and retried a second later. Our listening socket is the one with
// SO_ACCEPTCONN bound to our port; listen() again on it only raises the backlog.
void WidenListenBacklog(int port) {
  for (int fd = 0; fd < 1024; ++fd) {
    int accepting = 0;
    socklen_t len = sizeof(accepting);
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) != 0 || !accepting) continue;
    sockaddr_storage addr{};
    socklen_t alen = sizeof(addr);
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &alen) != 0) continue;
    int bound = -1;
    if (addr.ss_family == AF_INET) bound = ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
    if (addr.ss_family == AF_INET6) bound = ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
    if (bound == port && ::listen(fd, 1024) != 0) {
      LOG(WARNING) << "could not raise the listen backlog: " << std::strerror(errno);
    }
  }
}

}  // namespace

HttpServer::HttpServer(ServerContext* ctx) : ctx_(ctx) {
  const size_t threads = static_cast<size_t>(ctx_->config.http_threads);
  http_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http_.set_payload_max_length(ctx_->config.max_body_bytes);
  // Idle keep-alive connections hold a pool thread; release them soon.
  http_.set_keep_alive_timeout(5);
  http_.set_keep_alive_max_count(1000);
  http_.set_read_timeout(30);
  http_.set_write_timeout(30);
  // cpp-httplib's default sets SO_REUSEPORT, which lets a second server bind a port that is
  // in use and silently split the connections with the first. SO_REUSEADDR only (restart
  // over TIME_WAIT sockets); a busy port is then an error at startup.
  http_.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  auto dispatch = [this](const httplib::Request& req, httplib::Response& res) { Dispatch(req, res); };
  http_.Get(".*", dispatch);
  http_.Post(".*", dispatch);
  http_.Put(".*", dispatch);
  http_.Patch(".*", dispatch);
  http_.Delete(".*", dispatch);
  http_.Options(".*", dispatch);
  // Errors httplib itself detects (body over the limit, unparsable request line).
  http_.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    api::ApiError e = res.status == 413 ? api::PayloadTooLarge(ctx_->config.max_body_bytes)
                                        : api::HttpError(res.status, "bad HTTP request");
    e.http_status = res.status;
    const std::string route = RouteOf(req.path);
    ctx_->metrics.CountRequest(route.empty() ? "unknown" : route, res.status);
    ReplyError(res, e, StyleFor(req.path));
  });
  http_.set_exception_handler([this](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    LOG(ERROR) << "handler for " << req.method << " " << req.path << " threw: " << what;
    ReplyError(res, api::InternalError("internal error: " + what), StyleFor(req.path));
  });
}

void HttpServer::Dispatch(const httplib::Request& req, httplib::Response& res) {
  const Route* match = nullptr;
  bool path_known = false;
  for (const Route& r : kRoutes) {
    if (!Matches(r, req.path)) continue;
    path_known = true;
    if (req.method == r.method) match = &r;
  }
  const ErrorStyle style = StyleFor(req.path);
  if (!path_known) {
    ctx_->metrics.CountRequest("unknown", 404);
    return ReplyError(res, api::NotFound("no route for " + req.method + " " + req.path), style);
  }
  if (!match) {
    ctx_->metrics.CountRequest(RouteOf(req.path), 405);
    std::string allow;
    for (const Route& r : kRoutes)
      if (Matches(r, req.path)) allow += (allow.empty() ? "" : ", ") + std::string(r.method);
    res.set_header("Allow", allow);
    return ReplyError(res, api::MethodNotAllowed(req.method, req.path), style);
  }
  if (match->needs_auth && !ctx_->config.api_key.empty() && !Authorized(req, ctx_->config.api_key)) {
    ctx_->metrics.CountRequest(match->path, 401);
    return ReplyError(res, api::Unauthorized(), style);
  }
  if (match->counts_for_rate_limit && ctx_->rate_limiter) {
    if (const int wait = ctx_->rate_limiter->Admit(req.remote_addr); wait > 0) {
      ctx_->metrics.CountRequest(match->path, 429);
      res.set_header("Retry-After", std::to_string(wait));
      return ReplyError(res, api::RateLimited(wait), style);
    }
  }
  try {
    if (ctx_->router) ctx_->router->Serve(req, res, match->fn);
    else match->fn(*ctx_, req, res);
    // Streams count as 200 here: their status line is sent before the first token.
    ctx_->metrics.CountRequest(match->path, res.status);
  } catch (const std::exception& e) {
    // Handlers return errors as values; this is a bug, but it must not end the server.
    LOG(ERROR) << req.method << " " << req.path << " threw: " << e.what();
    ReplyError(res, api::InternalError(std::string("internal error: ") + e.what()), style);
  }
}

bool HttpServer::Bind() {
  if (!http_.bind_to_port(ctx_->config.host, ctx_->config.port)) {
    LOG(ERROR) << "cannot bind " << ctx_->config.host << ":" << ctx_->config.port << ": " << std::strerror(errno);
    return false;
  }
  WidenListenBacklog(ctx_->config.port);
  return true;
}

void HttpServer::Run() { http_.listen_after_bind(); }

void HttpServer::Stop() { http_.stop(); }

}  // namespace vllm::server
