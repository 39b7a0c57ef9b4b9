#include "server/output_pump.h"

namespace vllm::server {

OutputPump::Event OutputPump::Next(RequestOutput* out, std::chrono::milliseconds wait) {
  if (done_) return Event::kDone;
  if (Clock::now() >= deadline_) return Event::kTimeout;
  // Read before polling: Engine::Stop pushes every final output before the flag is set, so a
  // pass that starts after seeing the flag finds them (checking after the pass raced with it).
  const bool stopped = stopped_ && stopped_->load();
  // Round-robin over the requests; only the last one polled in a pass blocks, so several
  // prompts still progress together.
  bool all_done = true;
  for (size_t k = 0; k < reqs_.size(); ++k) {
    SubmittedRequest& r = reqs_[(cursor_ + k) % reqs_.size()];
    if (r.stream->Done()) continue;
    all_done = false;
    if (auto o = r.stream->Pop(std::chrono::milliseconds(0))) {
      cursor_ = (cursor_ + k + 1) % reqs_.size();
      *out = std::move(*o);
      out->index += r.index_offset;
      return Event::kOutput;
    }
  }
  if (all_done) {
    done_ = true;
    return Event::kDone;
  }
  for (SubmittedRequest& r : reqs_) {
    if (wait.count() <= 0) break;
    if (r.stream->Done()) continue;
    const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
    if (auto o = r.stream->Pop(std::max(std::chrono::milliseconds(1), std::min(wait, remaining)))) {
      *out = std::move(*o);
      out->index += r.index_offset;
      return Event::kOutput;
    }
    break;
  }
  if (stopped) return Event::kTimeout;
  return Event::kIdle;
}

void OutputPump::AbortAll() {
  if (done_) return;
  for (const SubmittedRequest& r : reqs_)
    if (!r.stream->Done()) engine_->Abort(r.request_id);
}

}  // namespace vllm::server
