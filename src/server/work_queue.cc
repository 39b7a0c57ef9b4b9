#include "server/work_queue.h"

namespace vllm::server {

WorkQueue::WorkQueue(int num_threads, size_t max_queued, size_t max_queued_bytes)
    : max_queued_(max_queued), max_queued_bytes_(max_queued_bytes) {
  for (int i = 0; i < num_threads; ++i) threads_.emplace_back([this] { Loop(); });
}

WorkQueue::~WorkQueue() { Stop(); }

bool WorkQueue::TryPost(std::function<void()> task, size_t bytes) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_ || tasks_.size() >= max_queued_) return false;
    if (!tasks_.empty() && queued_bytes_ + bytes > max_queued_bytes_) return false;
    queued_bytes_ += bytes;
    tasks_.emplace_back(std::move(task), bytes);
  }
  cv_.notify_one();
  return true;
}

void WorkQueue::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_)
    if (t.joinable()) t.join();
}

void WorkQueue::Loop() {
  while (true) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // stopping and drained
      task = std::move(tasks_.front().first);
      queued_bytes_ -= tasks_.front().second;
      tasks_.pop_front();
    }
    task();
  }
}

}  // namespace vllm::server
