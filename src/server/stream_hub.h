// StreamHub: one thread drives every response that waits for the engine (SSE streams and
// non-streaming replies), so thousands of them need no thread each. Every few milliseconds
// it polls each one without blocking (OutputStream::Pop with no wait): new events go to the
// connection's write queue, a finished reply is sent whole. A connection whose client hung
// up (seen by the event loop's read) is cancelled here, which aborts its engine requests
// at once, so their KV blocks return on the engine's next step. A client that reads slower
// than it is written to is not polled while its connection holds kMaxBufferedBytes unsent:
// its outputs wait in the engine's queue instead (and its write deadline ends it if it
// stops reading altogether).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/http_message.h"
#include "server/server_context.h"

namespace vllm::server {

// The connection side of a hub entry (HttpConnection). Thread-safe.
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  virtual bool Gone() const = 0;                 // the client hung up or the connection failed
  virtual size_t BufferedBytes() const = 0;      // queued, not yet written
  virtual void SendChunk(std::string data) = 0;  // one piece of the chunked SSE body
  virtual void EndStream() = 0;                  // the terminating chunk
  virtual void SendResponse(Response res) = 0;   // a whole (non-streaming) reply
  virtual void Abandon() = 0;                    // server stop: close without a reply
};

class StreamHub {
 public:
  static constexpr size_t kMaxBufferedBytes = 1 << 20;
  static constexpr std::chrono::milliseconds kTick{3};
  static constexpr std::chrono::milliseconds kKeepAliveInterval{1000};

  explicit StreamHub(ServerContext* ctx);
  ~StreamHub();

  // The stream's response head is already queued on the sink.
  void AddStream(std::shared_ptr<ResponseSink> sink, std::shared_ptr<SseSession> stream);
  // `head`: what the router already set (CORS headers, the metrics route); the reply's
  // status and body are filled in on top of it.
  void AddPending(std::shared_ptr<ResponseSink> sink, std::shared_ptr<PendingReply> pending,
                  Response head);
  size_t size() const { return num_entries_.load(); }
  // Cancels whatever is still open and joins the thread.
  void Stop();

 private:
  struct Entry {
    std::shared_ptr<ResponseSink> sink;
    std::shared_ptr<SseSession> stream;
    std::shared_ptr<PendingReply> pending;
    Response head;
    std::chrono::steady_clock::time_point t_last_write;
  };
  void Add(Entry e);
  void Loop();
  // Server stop: cancel the engine work and close the connection without a reply.
  void Abandon(Entry& e);
  // One poll of one entry; true when it is finished (and can be dropped).
  bool Service(Entry& e, bool* progress);

  ServerContext* ctx_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Entry> incoming_;
  bool stop_ = false;
  std::atomic<size_t> num_entries_{0};
  std::thread thread_;
};

}  // namespace vllm::server
