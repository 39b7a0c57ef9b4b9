// Boost.Beast/Asio candidate for the HTTP-layer choice (bench/http_layer/README.md): the
// same SSE workload as mhd_sse.cc, in the shape src/server/ uses (a strand per connection,
// writes queued from the producer thread). Build:
// g++ -O2 -std=c++20 beast_sse.cc -lpthread -o build/beast_sse
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

struct Conn : std::enable_shared_from_this<Conn> {
  explicit Conn(tcp::socket s) : sock(std::move(s)) {}
  tcp::socket sock;
  boost::beast::flat_buffer buf;
  http::request<http::string_body> req;
  std::deque<std::string> outq;
  bool writing = false;
  int events_left = 0;
  void Start();
  void Send(std::string data, bool last);
  void Write();
};

std::mutex g_mu;
std::set<std::shared_ptr<Conn>> g_streams;

void Conn::Start() {
  http::async_read(sock, buf, req, [self = shared_from_this()](boost::beast::error_code ec, size_t) {
    if (ec) return;
    const std::string target(self->req.target());
    if (target.rfind("/stream", 0) != 0) {
      self->Send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false);
      return self->Start();
    }
    const size_t q = target.find("n=");
    self->events_left = q == std::string::npos ? 50 : std::atoi(target.c_str() + q + 2);
    self->Send("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n", false);
    std::lock_guard<std::mutex> lock(g_mu);
    g_streams.insert(self);
  });
}

void Conn::Send(std::string data, bool last) {
  net::post(sock.get_executor(), [self = shared_from_this(), data = std::move(data), last]() mutable {
    self->outq.push_back(std::move(data));
    if (last) self->outq.push_back("0\r\n\r\n");
    if (!self->writing) self->Write();
  });
}

void Conn::Write() {
  writing = true;
  net::async_write(sock, net::buffer(outq.front()), [self = shared_from_this()](boost::beast::error_code ec, size_t) {
    self->writing = false;
    if (ec) return;
    self->outq.pop_front();
    if (!self->outq.empty()) self->Write();
  });
}

void Accept(tcp::acceptor& a, net::io_context& ioc) {
  a.async_accept(net::make_strand(ioc), [&](boost::beast::error_code ec, tcp::socket s) {
    if (!ec) std::make_shared<Conn>(std::move(s))->Start();
    Accept(a, ioc);
  });
}

int main(int argc, char** argv) {
  const int port = argc > 1 ? std::atoi(argv[1]) : 18302;
  const int tick_ms = argc > 2 ? std::atoi(argv[2]) : 50;
  net::io_context ioc;
  tcp::acceptor a(ioc);
  const tcp::endpoint ep(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port));
  a.open(ep.protocol());
  a.set_option(net::socket_base::reuse_address(true));
  a.bind(ep);
  a.listen(4096);
  Accept(a, ioc);
  std::thread io([&] { ioc.run(); });
  const std::string event = "data: {\"choices\":[{\"delta\":{\"content\":\"token\"}}]}\n\n";
  char size[16];
  std::snprintf(size, sizeof(size), "%zx\r\n", event.size());
  const std::string chunk = size + event + "\r\n";
  while (true) {  // the producer
    std::this_thread::sleep_for(std::chrono::milliseconds(tick_ms));
    std::lock_guard<std::mutex> lock(g_mu);
    for (auto it = g_streams.begin(); it != g_streams.end();) {
      const bool last = --(*it)->events_left <= 0;
      (*it)->Send(chunk, last);
      it = last ? g_streams.erase(it) : std::next(it);
    }
  }
}
