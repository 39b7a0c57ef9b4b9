// One client connection on the event loop (Boost.Beast over Asio), as a small state
// machine on its own strand:
//
//   idle --first byte--> reading --request--> serving --reply written--> idle (keep-alive)
//    |  keep_alive_timeout  | request_read_timeout (408)   |  watch read: EOF = gone
//    v                      v                              v
//   close                 close                   hub cancels, close
//
// Reading has one deadline for the header and body together (slowloris), bodies over the
// limit answer 413, a body cut short 400, a malformed request 400, then the connection
// closes after a short lingering drain (so the client reads the answer instead of a reset).
// While a request is served, a read stays pending on the socket: EOF or an error marks the
// connection gone, which the StreamHub sees and cancels the engine work. Writes come from
// any thread (workers, hub) and are queued on the strand; each has a deadline.
#pragma once

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "server/stream_hub.h"
#include "server/work_queue.h"

namespace vllm::server {

// What connections share: the context, the worker queue, the hub and the live-connection count.
struct ConnectionEnv {
  ServerContext* ctx = nullptr;
  WorkQueue* workers = nullptr;
  StreamHub* hub = nullptr;
  std::atomic<int64_t>* num_open = nullptr;     // decremented when a connection closes
  std::atomic<int64_t>* num_writing = nullptr;  // connections with unsent bytes (shutdown waits)
};

class HttpConnection : public ResponseSink, public std::enable_shared_from_this<HttpConnection> {
 public:
  HttpConnection(boost::asio::ip::tcp::socket socket, const ConnectionEnv& env);
  ~HttpConnection() override;

  void Start();
  // Over the connection cap: answer 503 and close.
  void Reject();

  // ResponseSink (any thread).
  bool Gone() const override { return gone_.load(); }
  size_t BufferedBytes() const override { return buffered_.load(); }
  void SendChunk(std::string data) override;
  void EndStream() override;
  void SendResponse(Response res) override;
  void Abandon() override;

 private:
  enum class After { kNothing, kReplyDone, kClose, kLinger };
  enum class Phase { kIdle, kReading, kServing, kClosing };

  void WaitForRequest();
  void ReadHeader();
  void OnHeader(boost::beast::error_code ec);
  void OnReadError(boost::beast::error_code ec);
  void OnRequest();
  void OnHandled(Response res);  // on the strand
  void Watch();
  void Queue(std::string bytes, After after);  // on the strand
  void WriteNext();
  void ReplyDone();
  void Linger();
  void Close();
  void ArmDeadline(std::chrono::milliseconds d);
  void ReplyAndClose(int status, const std::string& message);

  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer deadline_;
  ConnectionEnv env_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::string remote_addr_;
  Phase phase_ = Phase::kIdle;
  bool keep_alive_ = true;
  bool watching_ = false;  // a read is pending while the request is served
  bool writing_ = false;
  bool deadline_fired_ = false;
  bool closed_ = false;
  bool counted_writing_ = false;
  uint64_t deadline_gen_ = 0;  // bumped by every arm and cancel
  std::deque<std::pair<std::string, After>> outq_;
  std::atomic<bool> gone_{false};
  std::atomic<size_t> buffered_{0};
};

}  // namespace vllm::server
