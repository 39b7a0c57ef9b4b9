// The HTTP worker threads: parse JSON, render chat templates, tokenize and submit to the
// engine, off the event loop (a 16 MiB body takes tens of milliseconds to parse; the event
// loop must not stall for it). The queue is bounded: when it is full, TryPost() says so and
// the connection answers 503 at once instead of letting work pile up unseen. It is bounded
// both in tasks and in bytes (the request bodies they hold), so a burst of 16 MiB bodies
// cannot queue gigabytes.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace vllm::server {

class WorkQueue {
 public:
  WorkQueue(int num_threads, size_t max_queued, size_t max_queued_bytes = SIZE_MAX);
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // False when max_queued tasks already wait, or their bytes plus `bytes` would pass
  // max_queued_bytes (one task alone is always admitted), or after Stop(). Tasks must not throw.
  bool TryPost(std::function<void()> task, size_t bytes = 0);
  // Runs the tasks already queued, then joins the threads.
  void Stop();

 private:
  void Loop();
  size_t max_queued_, max_queued_bytes_;
  size_t queued_bytes_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<std::function<void()>, size_t>> tasks_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace vllm::server
