// The HTTP worker threads: parse JSON, render chat templates, tokenize and submit to the
// engine, off the event loop (a 16 MiB body takes tens of milliseconds to parse; the event
// loop must not stall for it). The queue is bounded: when it is full, TryPost() says so and
// the connection answers 503 at once instead of letting work pile up unseen.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace vllm::server {

class WorkQueue {
 public:
  WorkQueue(int num_threads, size_t max_queued);
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // False when max_queued tasks already wait (or after Stop()). Tasks must not throw.
  bool TryPost(std::function<void()> task);
  // Runs the tasks already queued, then joins the threads.
  void Stop();

 private:
  void Loop();
  size_t max_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace vllm::server
