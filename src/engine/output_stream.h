// A thread-safe queue of RequestOutputs for one request (all of its n sequences): the
// engine thread pushes, the client thread (HTTP handler, CLI) pops. The stream is closed
// when every sequence finished, so a reader never waits on a request that is gone.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

#include "engine/request_output.h"

namespace vllm {

class OutputStream {
 public:
  explicit OutputStream(int32_t num_sequences) : open_sequences_(num_sequences) {}

  void Push(RequestOutput out) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (out.finished) --open_sequences_;
      queue_.push_back(std::move(out));
    }
    cv_.notify_all();
  }

  // Next output, waiting up to `timeout`; nullopt on timeout or when closed and drained.
  std::optional<RequestOutput> Pop(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return !queue_.empty() || open_sequences_ <= 0; });
    if (queue_.empty()) return std::nullopt;
    RequestOutput out = std::move(queue_.front());
    queue_.pop_front();
    return out;
  }

  // True once every sequence has pushed its final output and the queue is drained.
  bool Done() const {
    std::lock_guard<std::mutex> lock(mu_);
    return open_sequences_ <= 0 && queue_.empty();
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<RequestOutput> queue_;
  int32_t open_sequences_;
};

}  // namespace vllm
