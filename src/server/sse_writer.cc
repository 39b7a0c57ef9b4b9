#include "server/sse_writer.h"

#include <chrono>

namespace vllm::server {

namespace {
constexpr std::chrono::milliseconds kKeepAliveInterval{1000};

struct OpenStreamGuard {
  ServerContext* ctx;
  explicit OpenStreamGuard(ServerContext* c) : ctx(c) { ++ctx->open_streams; }
  ~OpenStreamGuard() { --ctx->open_streams; }
};
}  // namespace

void ServeSse(ServerContext& ctx, httplib::Response& res, std::shared_ptr<SseSession> session) {
  res.status = 200;
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  auto finished = std::make_shared<bool>(false);
  auto guard = std::make_shared<OpenStreamGuard>(&ctx);
  auto last_write = std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
  res.set_chunked_content_provider(
      "text/event-stream",
      [session, finished, guard, last_write](size_t /*offset*/, httplib::DataSink& sink) {
        std::string out;
        const bool more = session->Step(&out);
        // A request waiting in the queue writes nothing; an SSE comment now and then finds
        // out whether its client is still there (clients ignore comment lines).
        const auto now = std::chrono::steady_clock::now();
        if (out.empty() && now - *last_write > kKeepAliveInterval) out = ": keep-alive\n\n";
        if (!out.empty()) *last_write = now;
        if (!out.empty() && !sink.write(out.data(), out.size())) {
          session->Cancel();  // client disconnected
          return false;
        }
        if (!more) {
          *finished = true;
          sink.done();
        }
        return true;
      },
      [session, finished](bool success) {
        if (!success || !*finished) session->Cancel();
      });
}

}  // namespace vllm::server
