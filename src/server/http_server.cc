#include "server/http_server.h"

#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <thread>
#include <vector>

#include "server/http_connection.h"
#include "util/logging.h"

namespace vllm::server {

namespace net = boost::asio;
using tcp = net::ip::tcp;

struct HttpServer::Impl {
  explicit Impl(ServerContext* c)
      : ctx(c),
        workers(c->config.http_workers, static_cast<size_t>(c->config.max_queued_requests),
                static_cast<size_t>(c->config.max_queued_bytes)),
        hub(c),
        acceptor(ioc),
        retry_timer(ioc) {}

  void Accept();

  ServerContext* ctx;
  // Declared before the io_context: connections still owned by its handlers count down
  // num_open when it is destroyed.
  std::atomic<int64_t> num_open{0}, num_writing{0};
  std::atomic<bool> stopping{false};
  WorkQueue workers;
  StreamHub hub;
  net::io_context ioc;
  tcp::acceptor acceptor;
  net::steady_timer retry_timer;
};

void HttpServer::Impl::Accept() {
  acceptor.async_accept(net::make_strand(ioc),
                        [this](boost::system::error_code ec, tcp::socket socket) {
                          if (ec) {
                            if (!acceptor.is_open()) return;  // stopping
                            // Out of file descriptors (or another transient failure): back off
                            // instead of spinning.
                            LOG(WARNING) << "accept failed: " << ec.message();
                            retry_timer.expires_after(std::chrono::milliseconds(100));
                            retry_timer.async_wait([this](boost::system::error_code) { Accept(); });
                            return;
                          }
                          const int64_t n = ++num_open;
                          const ConnectionEnv env{.ctx = ctx,
                                                  .workers = &workers,
                                                  .hub = &hub,
                                                  .num_open = &num_open,
                                                  .num_writing = &num_writing};
                          auto conn = std::make_shared<HttpConnection>(std::move(socket), env);
                          if (n > ctx->config.max_connections)
                            conn->Reject();
                          else
                            conn->Start();
                          Accept();
                        });
}

HttpServer::HttpServer(ServerContext* ctx) : impl_(std::make_unique<Impl>(ctx)) {}

HttpServer::~HttpServer() {
  impl_->hub.Stop();
  impl_->workers.Stop();
}

bool HttpServer::Bind() {
  const ServerConfig& cfg = impl_->ctx->config;
  boost::system::error_code ec;
  tcp::resolver resolver(impl_->ioc);
  const auto results =
      resolver.resolve(cfg.host, std::to_string(cfg.port), tcp::resolver::passive, ec);
  if (ec || results.empty()) {
    LOG(ERROR) << "cannot bind " << cfg.host << ":" << cfg.port << ": "
               << (ec ? ec.message() : "no address");
    return false;
  }
  const tcp::endpoint ep = results.begin()->endpoint();
  tcp::acceptor& a = impl_->acceptor;
  a.open(ep.protocol(), ec);
  // SO_REUSEADDR only (restart over TIME_WAIT sockets), never SO_REUSEPORT, which would let
  // a second server bind a busy port and silently split the connections with the first.
  if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    LOG(ERROR) << "cannot bind " << cfg.host << ":" << cfg.port << ": " << ec.message();
    return false;
  }
  return true;
}

void HttpServer::Run() {
  impl_->Accept();
  std::vector<std::thread> threads;
  for (int i = 1; i < impl_->ctx->config.http_threads; ++i)
    threads.emplace_back([this] { impl_->ioc.run(); });
  impl_->ioc.run();
  for (std::thread& t : threads) t.join();
}

void HttpServer::Stop() {
  if (impl_->stopping.exchange(true)) return;
  net::post(impl_->ioc, [this] {
    boost::system::error_code ec;
    impl_->acceptor.close(ec);
    impl_->retry_timer.cancel();
  });
  // Open streams have their tails (finish chunk, [DONE]) from the stopped engine: give the
  // hub and the sockets a moment to deliver them.
  for (int i = 0; i < 200 && (impl_->hub.size() > 0 || impl_->num_writing.load() > 0); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  impl_->hub.Stop();
  impl_->workers.Stop();
  impl_->ioc.stop();
}

}  // namespace vllm::server
