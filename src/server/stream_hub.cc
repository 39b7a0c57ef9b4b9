#include "server/stream_hub.h"

namespace vllm::server {

StreamHub::StreamHub(ServerContext* ctx) : ctx_(ctx), thread_([this] { Loop(); }) {}

StreamHub::~StreamHub() { Stop(); }

void StreamHub::AddStream(std::shared_ptr<ResponseSink> sink, std::shared_ptr<SseSession> stream) {
  ++ctx_->open_streams;
  Add({.sink = std::move(sink),
       .stream = std::move(stream),
       .t_last_write = std::chrono::steady_clock::now()});
}

void StreamHub::AddPending(std::shared_ptr<ResponseSink> sink,
                           std::shared_ptr<PendingReply> pending, Response head) {
  Add({.sink = std::move(sink), .pending = std::move(pending), .head = std::move(head)});
}

void StreamHub::Add(Entry e) {
  ++num_entries_;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stop_) {
      incoming_.push_back(std::move(e));
      e.sink = nullptr;
    }
  }
  cv_.notify_one();
  if (e.sink) Abandon(e);  // stopped: nobody will drive it
}

void StreamHub::Abandon(Entry& e) {
  if (e.stream) {
    e.stream->Cancel();
    --ctx_->open_streams;
  }
  if (e.pending) e.pending->Cancel();
  e.sink->Abandon();
  --num_entries_;
}

void StreamHub::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

bool StreamHub::Service(Entry& e, bool* progress) {
  if (e.sink->Gone()) {  // aborts the engine requests; nobody to write to
    if (e.stream) e.stream->Cancel();
    if (e.pending) e.pending->Cancel();
    return true;
  }
  if (e.pending) {
    Response res = e.head;
    if (!e.pending->Poll(&res)) return false;
    ctx_->metrics.CountRequest(res.metrics_route, res.status);
    e.sink->SendResponse(std::move(res));
    *progress = true;
    return true;
  }
  if (e.sink->BufferedBytes() > kMaxBufferedBytes) return false;  // a slow reader: wait
  std::string out;
  bool more = true;
  // A few outputs per tick, so one busy stream cannot starve the rest.
  for (int i = 0; i < 16 && more; ++i) {
    const size_t before = out.size();
    more = e.stream->Step(&out);
    if (out.size() == before) break;
  }
  const auto now = std::chrono::steady_clock::now();
  // Proxies and clients drop connections silent for long; a queued request writes nothing
  // for a while, so an SSE comment (ignored by clients) now and then keeps it open.
  if (out.empty() && more && now - e.t_last_write > kKeepAliveInterval) out = ": keep-alive\n\n";
  if (!out.empty()) {
    e.t_last_write = now;
    e.sink->SendChunk(std::move(out));
    *progress = true;
  }
  if (more) return false;
  e.sink->EndStream();
  return true;
}

void StreamHub::Loop() {
  std::vector<Entry> entries;
  while (true) {
    bool stopping = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      for (Entry& e : incoming_) entries.push_back(std::move(e));
      incoming_.clear();
      stopping = stop_;
    }
    if (stopping) break;
    bool progress = false;
    for (size_t i = 0; i < entries.size();) {
      if (!Service(entries[i], &progress)) {
        ++i;
        continue;
      }
      if (entries[i].stream) --ctx_->open_streams;
      entries[i] = std::move(entries.back());
      entries.pop_back();
      --num_entries_;
    }
    if (progress) continue;
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, entries.empty() ? std::chrono::milliseconds(100) : kTick,
                 [&] { return stop_ || !incoming_.empty(); });
  }
  for (Entry& e : entries) Abandon(e);
}

}  // namespace vllm::server
