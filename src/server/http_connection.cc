#include "server/http_connection.h"

#include <string_view>

#include "server/http_util.h"
#include "server/router.h"

namespace vllm::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using std::chrono::milliseconds;

namespace {

constexpr size_t kHeaderLimit = 64 * 1024;
constexpr milliseconds kWriteTimeout{30000};
constexpr milliseconds kLingerTime{1000};

milliseconds Ms(double seconds) { return milliseconds(static_cast<int64_t>(seconds * 1000)); }

std::string Head(const Response& r, bool keep_alive, bool chunked) {
  std::string_view reason =
      http::obsolete_reason(http::int_to_status(static_cast<unsigned>(r.status)));
  if (reason.empty() || reason == "<unknown-status>") reason = "Unknown";
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + std::string(reason) +
                    "\r\nServer: vllm-cpp\r\n";
  if (r.status != 204) {
    if (!r.content_type.empty()) out += "Content-Type: " + r.content_type + "\r\n";
    out += chunked ? std::string("Transfer-Encoding: chunked\r\n")
                   : "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  }
  out += keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
  // Header values echoed from the request (Origin, Access-Control-Request-Headers) cannot
  // hold CR/LF: the parser refuses such requests.
  for (const auto& [k, v] : r.headers) out += k + ": " + v + "\r\n";
  out += "\r\n";
  return out;
}

std::string Chunk(std::string_view data) {
  char size[20];
  const int n = std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
  std::string out(size, static_cast<size_t>(n));
  out.append(data);
  out += "\r\n";
  return out;
}

}  // namespace

HttpConnection::HttpConnection(tcp::socket socket, const ConnectionEnv& env)
    : socket_(std::move(socket)), deadline_(socket_.get_executor()), env_(env) {
  beast::error_code ec;
  const tcp::endpoint peer = socket_.remote_endpoint(ec);
  if (!ec) remote_addr_ = peer.address().to_string();
  socket_.set_option(tcp::no_delay(true), ec);  // SSE events are small and latency-bound
}

HttpConnection::~HttpConnection() {
  if (counted_writing_) --*env_.num_writing;
  --*env_.num_open;
}

void HttpConnection::Start() { WaitForRequest(); }

void HttpConnection::Reject() {
  keep_alive_ = false;
  phase_ = Phase::kServing;
  Response res;
  ReplyError(res, api::Overloaded("the server is at its connection limit; retry later"));
  env_.ctx->metrics.CountRequest("unknown", 503);
  Queue(Head(res, false, false) + res.body, After::kLinger);
}

// Idle: no deadline but the keep-alive one until the first byte of a request arrives.
void HttpConnection::WaitForRequest() {
  phase_ = Phase::kIdle;
  if (buffer_.size() > 0) return ReadHeader();
  ArmDeadline(Ms(env_.ctx->config.keep_alive_timeout_s));
  if (!watching_) Watch();
}

// One read-some that serves three phases: the first byte of a request (idle), a hang-up
// while the request is served, and draining before close.
void HttpConnection::Watch() {
  watching_ = true;
  socket_.async_read_some(buffer_.prepare(4096),
                          [self = shared_from_this()](beast::error_code ec, size_t n) {
                            self->watching_ = false;
                            if (self->closed_) return;
                            if (ec) {
                              self->gone_ = true;  // EOF, reset, or cancelled by a deadline
                              return self->Close();
                            }
                            self->buffer_.commit(n);
                            switch (self->phase_) {
                              case Phase::kIdle:
                                return self->ReadHeader();
                              case Phase::kServing:
                                // A pipelined next request: keep it for after this reply. Reading
                                // stops here (one read at a time), so a pipelining client's hang-up
                                // is seen only at the next write.
                                return;
                              case Phase::kClosing:
                                self->buffer_.consume(self->buffer_.size());
                                return self->Watch();
                              case Phase::kReading:
                                return;  // not reached: no watch while the parser reads
                            }
                          });
}

void HttpConnection::ReadHeader() {
  phase_ = Phase::kReading;
  ArmDeadline(Ms(env_.ctx->config.request_read_timeout_s));  // header and body together
  parser_.emplace();
  parser_->header_limit(kHeaderLimit);
  parser_->body_limit(env_.ctx->config.max_body_bytes);
  http::async_read_header(
      socket_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
}

void HttpConnection::OnHeader(beast::error_code ec) {
  if (closed_) return;
  if (ec) return OnReadError(ec);
  if (parser_->is_done()) return OnRequest();
  // curl and others wait up to a second for this before sending a large body.
  if (EqualsIgnoreCase(std::string_view(parser_->get()[http::field::expect]), "100-continue"))
    Queue("HTTP/1.1 100 Continue\r\n\r\n", After::kNothing);
  http::async_read(socket_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec2, size_t) {
                     if (self->closed_) return;
                     if (ec2) return self->OnReadError(ec2);
                     self->OnRequest();
                   });
}

void HttpConnection::OnReadError(beast::error_code ec) {
  phase_ = Phase::kServing;  // the reply below gets a write deadline
  if (deadline_fired_)
    return ReplyAndClose(408, "the request was not received within " +
                                  std::to_string(env_.ctx->config.request_read_timeout_s) + " s");
  if (ec == http::error::body_limit) {
    const std::string path(parser_->get().target());
    Response res;
    ReplyError(res, api::PayloadTooLarge(env_.ctx->config.max_body_bytes),
               IsAnthropicPath(path) ? ErrorStyle::kAnthropic : ErrorStyle::kOpenAi);
    env_.ctx->metrics.CountRequest(RouteOf(path), 413);
    keep_alive_ = false;
    return Queue(Head(res, false, false) + res.body, After::kLinger);
  }
  if (ec == http::error::header_limit)
    return ReplyAndClose(431, "the request header is larger than 64 KiB");
  if (ec == http::error::partial_message ||
      (ec == http::error::end_of_stream && parser_->got_some()))
    return ReplyAndClose(400, "the request ended before its body was complete");
  if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
      ec != http::error::end_of_stream)
    return ReplyAndClose(400, "malformed HTTP request");
  Close();  // a clean close between requests, a reset, or our own cancel
}

void HttpConnection::ReplyAndClose(int status, const std::string& message) {
  Response res;
  ReplyError(res, api::HttpError(status, message));
  env_.ctx->metrics.CountRequest("unknown", status);
  keep_alive_ = false;
  Queue(Head(res, false, false) + res.body, After::kLinger);
}

void HttpConnection::OnRequest() {
  ++deadline_gen_;  // the read deadline is over
  deadline_.cancel();
  auto& msg = parser_->get();
  keep_alive_ = msg.keep_alive();
  Request req;
  req.method = std::string(msg.method_string());
  const std::string_view target = msg.target();
  req.path = std::string(target.substr(0, target.find('?')));
  for (const auto& f : msg)
    req.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  req.body = std::move(msg.body());
  req.remote_addr = remote_addr_;
  parser_.reset();
  phase_ = Phase::kServing;
  if (buffer_.size() == 0 && !watching_) Watch();
  auto self = shared_from_this();
  const size_t bytes = req.body.size();
  const bool queued = env_.workers->TryPost(
      [self, req = std::move(req)] {
        Response res;
        Dispatch(*self->env_.ctx, req, res);
        net::post(self->socket_.get_executor(),
                  [self, res = std::move(res)]() mutable { self->OnHandled(std::move(res)); });
      },
      bytes);
  if (!queued) {
    Response res;
    ReplyError(res,
               api::Overloaded("the server is overloaded: too many requests wait for a worker"));
    env_.ctx->metrics.CountRequest("unknown", 503);
    OnHandled(std::move(res));
  }
}

void HttpConnection::OnHandled(Response res) {
  if (closed_ || gone_) {
    if (res.stream) res.stream->Cancel();
    if (res.pending) res.pending->Cancel();
    return Close();
  }
  auto self = shared_from_this();
  if (res.stream) {
    Queue(Head(res, keep_alive_, /*chunked=*/true), After::kNothing);
    env_.hub->AddStream(self, std::move(res.stream));
  } else if (res.pending) {
    std::shared_ptr<PendingReply> pending = std::move(res.pending);
    env_.hub->AddPending(self, std::move(pending), std::move(res));
  } else {
    Queue(Head(res, keep_alive_, false) + res.body, After::kReplyDone);
  }
}

void HttpConnection::SendChunk(std::string data) {
  std::string chunk = Chunk(data);
  buffered_ += chunk.size();  // counted now, so the hub sees it before the strand runs
  net::post(socket_.get_executor(),
            [self = shared_from_this(), chunk = std::move(chunk)]() mutable {
              if (self->closed_) return;  // Close() zeroed the count already
              self->buffered_ -= chunk.size();
              self->Queue(std::move(chunk), After::kNothing);
            });
}

void HttpConnection::EndStream() {
  net::post(socket_.get_executor(),
            [self = shared_from_this()] { self->Queue("0\r\n\r\n", After::kReplyDone); });
}

void HttpConnection::SendResponse(Response res) {
  net::post(socket_.get_executor(), [self = shared_from_this(), res = std::move(res)] {
    self->Queue(Head(res, self->keep_alive_, false) + res.body, After::kReplyDone);
  });
}

void HttpConnection::Abandon() {
  net::post(socket_.get_executor(), [self = shared_from_this()] { self->Close(); });
}

void HttpConnection::Queue(std::string bytes, After after) {
  if (closed_) return;
  buffered_ += bytes.size();
  outq_.emplace_back(std::move(bytes), after);
  if (!counted_writing_) {
    counted_writing_ = true;
    ++*env_.num_writing;
  }
  if (!writing_) WriteNext();
}

void HttpConnection::WriteNext() {
  writing_ = true;
  // While reading (a 100 Continue) the read deadline stays; otherwise each write has one.
  if (phase_ != Phase::kReading) ArmDeadline(kWriteTimeout);
  net::async_write(socket_, net::buffer(outq_.front().first),
                   [self = shared_from_this()](beast::error_code ec, size_t) {
                     self->writing_ = false;
                     if (self->closed_) return;
                     if (ec) {
                       self->gone_ = true;
                       return self->Close();
                     }
                     const After after = self->outq_.front().second;
                     self->buffered_ -= self->outq_.front().first.size();
                     self->outq_.pop_front();
                     if (after == After::kClose) return self->Close();
                     if (after == After::kLinger) return self->Linger();
                     if (!self->outq_.empty()) {
                       self->WriteNext();
                     } else {
                       if (self->phase_ == Phase::kServing) {
                         ++self->deadline_gen_;
                         self->deadline_.cancel();
                       }
                       self->counted_writing_ = false;
                       --*self->env_.num_writing;
                     }
                     if (after == After::kReplyDone) self->ReplyDone();
                   });
}

void HttpConnection::ReplyDone() {
  if (!keep_alive_ || env_.ctx->draining) return Linger();
  WaitForRequest();
}

// Half-close and drain what the client still sends before closing: closing a socket with
// unread input makes the kernel send a reset, which can destroy the reply in flight.
void HttpConnection::Linger() {
  phase_ = Phase::kClosing;
  beast::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  buffer_.consume(buffer_.size());
  ArmDeadline(kLingerTime);
  if (!watching_) Watch();
}

void HttpConnection::Close() {
  if (closed_) return;
  closed_ = true;
  gone_ = true;
  phase_ = Phase::kClosing;
  ++deadline_gen_;
  deadline_.cancel();
  beast::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  outq_.clear();
  buffered_ = 0;
  if (counted_writing_) {
    counted_writing_ = false;
    --*env_.num_writing;
  }
}

void HttpConnection::ArmDeadline(milliseconds d) {
  const uint64_t gen = ++deadline_gen_;
  deadline_fired_ = false;
  deadline_.expires_after(d);
  deadline_.async_wait([self = shared_from_this(), gen](beast::error_code ec) {
    // A re-armed or cancelled deadline (gen moved on) must not cancel the next phase's I/O.
    if (ec || gen != self->deadline_gen_ || self->closed_) return;
    self->deadline_fired_ = true;
    beast::error_code ignored;
    self->socket_.cancel(ignored);
  });
}

}  // namespace vllm::server
