// A thread-safe queue of RequestOutputs for one request (all of its n sequences): the
// engine thread pushes token ids, the client thread (HTTP handler, CLI) pops them as text.
// Text work (detokenization, stop strings: SequenceText) runs in Pop, on the reader's
// thread, so one request's long stop list or slow decode never stalls the engine loop.
// When a stop string ends a sequence, Pop makes that output final, drops whatever the engine
// pushed for the sequence after it, and calls `on_stop(index)` so the engine frees it.
// The stream is done when every sequence finished, so a reader never waits on a request
// that is gone.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "engine/request_output.h"
#include "engine/sequence_text.h"

namespace vllm {

class OutputStream {
 public:
  explicit OutputStream(int32_t num_sequences)
      : finished_(static_cast<size_t>(num_sequences), false), open_sequences_(num_sequences) {}

  // Gives sequence `index` its text processing (before any output is pushed).
  void SetText(int32_t index, std::unique_ptr<SequenceText> text) {
    if (texts_.size() <= static_cast<size_t>(index)) texts_.resize(index + 1);
    texts_[index] = std::move(text);
  }
  void SetOnStop(std::function<void(int32_t index)> on_stop) { on_stop_ = std::move(on_stop); }

  void Push(RequestOutput out) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (finished_[out.index]) return;  // ended by a stop string on the reader's side
      if (out.finished) {
        finished_[out.index] = true;
        --open_sequences_;
      }
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
    SequenceText* text = static_cast<size_t>(out.index) < texts_.size() ? texts_[out.index].get() : nullptr;
    if (!text) return out;
    lock.unlock();  // text work outside the lock: the engine thread must never wait on it
    const bool stopped = text->Process(out);
    if (!stopped) return out;
    lock.lock();
    std::erase_if(queue_, [&](const RequestOutput& o) { return o.index == out.index; });
    if (!finished_[out.index]) {
      finished_[out.index] = true;
      --open_sequences_;
    }
    lock.unlock();
    if (on_stop_) on_stop_(out.index);
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
  std::vector<bool> finished_;  // per sequence: its final output was pushed or produced here
  int32_t open_sequences_;
  // Set before the stream is shared; read by the reader thread only.
  std::vector<std::unique_ptr<SequenceText>> texts_;
  std::function<void(int32_t)> on_stop_;
};

}  // namespace vllm
