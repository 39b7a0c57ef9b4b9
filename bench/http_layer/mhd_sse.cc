// libmicrohttpd candidate for the HTTP-layer choice (bench/http_layer/README.md): SSE
// streams fed by a producer thread, as the engine feeds our streams. One internal epoll
// thread; a stream with nothing to send is suspended and resumed by the producer.
// Build: g++ -O2 -std=c++20 mhd_sse.cc -lmicrohttpd -o build/mhd_sse
#include <microhttpd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace {

struct Stream {
  MHD_Connection* conn = nullptr;
  std::mutex mu;
  std::string pending;
  int events_left = 0;
  bool suspended = false;
  bool gone = false;
};

std::mutex g_mu;
std::set<Stream*> g_streams;

ssize_t Reader(void* cls, uint64_t, char* buf, size_t max) {
  auto* s = static_cast<Stream*>(cls);
  std::lock_guard<std::mutex> lock(s->mu);
  if (!s->pending.empty()) {
    const size_t n = std::min(max, s->pending.size());
    std::memcpy(buf, s->pending.data(), n);
    s->pending.erase(0, n);
    return static_cast<ssize_t>(n);
  }
  if (s->events_left <= 0) return MHD_CONTENT_READER_END_OF_STREAM;
  s->suspended = true;
  MHD_suspend_connection(s->conn);  // the producer resumes it
  return 0;
}

void Free(void* cls) {
  auto* s = static_cast<Stream*>(cls);
  {
    std::lock_guard<std::mutex> lock(g_mu);
    g_streams.erase(s);
  }
  delete s;
}

MHD_Result Handler(void*, MHD_Connection* conn, const char* url, const char*, const char*, const char*, size_t*,
                   void** state) {
  if (*state == nullptr) {  // first call: headers only
    *state = reinterpret_cast<void*>(1);
    return MHD_YES;
  }
  if (std::strcmp(url, "/stream") != 0) {
    MHD_Response* r = MHD_create_response_from_buffer(2, const_cast<char*>("ok"), MHD_RESPMEM_PERSISTENT);
    const MHD_Result ret = MHD_queue_response(conn, 200, r);
    MHD_destroy_response(r);
    return ret;
  }
  auto* s = new Stream;
  s->conn = conn;
  const char* n = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "n");
  s->events_left = n ? std::atoi(n) : 50;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    g_streams.insert(s);
  }
  MHD_Response* r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, Reader, s, Free);
  MHD_add_response_header(r, "Content-Type", "text/event-stream");
  const MHD_Result ret = MHD_queue_response(conn, 200, r);
  MHD_destroy_response(r);
  return ret;
}

}  // namespace

int main(int argc, char** argv) {
  const int port = argc > 1 ? std::atoi(argv[1]) : 18301;
  const int tick_ms = argc > 2 ? std::atoi(argv[2]) : 50;
  MHD_Daemon* d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME, port, nullptr, nullptr,
                                   Handler, nullptr, MHD_OPTION_CONNECTION_LIMIT, 20000u,
                                   MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u,
                                   MHD_OPTION_LISTEN_BACKLOG_SIZE, 4096u, MHD_OPTION_END);
  if (!d) return 1;
  const std::string event = "data: {\"choices\":[{\"delta\":{\"content\":\"token\"}}]}\n\n";
  while (true) {  // the producer: one event per stream per tick, like an engine step
    std::this_thread::sleep_for(std::chrono::milliseconds(tick_ms));
    std::lock_guard<std::mutex> lock(g_mu);
    for (Stream* s : g_streams) {
      std::lock_guard<std::mutex> sl(s->mu);
      if (s->events_left <= 0) continue;
      s->pending += event;
      --s->events_left;
      if (s->suspended) {
        s->suspended = false;
        MHD_resume_connection(s->conn);
      }
    }
  }
}
