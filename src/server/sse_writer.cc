#include "server/sse_writer.h"

namespace vllm::server {

namespace {
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
  res.set_chunked_content_provider(
      "text/event-stream",
      [session, finished, guard](size_t /*offset*/, httplib::DataSink& sink) {
        std::string out;
        const bool more = session->Step(&out);
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
