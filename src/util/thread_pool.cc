#include "util/thread_pool.h"

#include <algorithm>

namespace vllm {

ThreadPool::ThreadPool(int num_threads) {
  if (num_threads <= 0) num_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  num_threads_ = num_threads;
  for (int i = 1; i < num_threads_; ++i) workers_.emplace_back([this, i] { WorkerLoop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_work_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::RunChunk(int chunk) {
  size_t begin = n_ * chunk / num_chunks_;
  size_t end = n_ * (chunk + 1) / num_chunks_;
  if (begin < end) (*fn_)(begin, end);
}

void ThreadPool::WorkerLoop(int /*worker_index*/) {
  uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_work_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
    }
    int done = 0;
    for (int c; (c = next_chunk_.fetch_add(1)) < num_chunks_;) {
      RunChunk(c);
      ++done;
    }
    if (done > 0) {
      std::lock_guard<std::mutex> lock(mu_);
      pending_ -= done;
      if (pending_ == 0) cv_done_.notify_all();
    }
  }
}

void ThreadPool::ParallelFor(size_t n, size_t grain,
                             const std::function<void(size_t, size_t)>& fn) {
  if (n == 0) return;
  grain = std::max<size_t>(grain, 1);
  int chunks = static_cast<int>(std::min<size_t>(num_threads_, (n + grain - 1) / grain));
  if (chunks <= 1) {
    fn(0, n);
    return;
  }
  std::lock_guard<std::mutex> call_lock(call_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    fn_ = &fn;
    n_ = n;
    num_chunks_ = chunks;
    next_chunk_ = 0;
    pending_ = chunks;
    ++generation_;
  }
  cv_work_.notify_all();
  int done = 0;
  for (int c; (c = next_chunk_.fetch_add(1)) < num_chunks_;) {
    RunChunk(c);
    ++done;
  }
  std::unique_lock<std::mutex> lock(mu_);
  pending_ -= done;
  cv_done_.wait(lock, [&] { return pending_ == 0; });
  fn_ = nullptr;
}

}  // namespace vllm
