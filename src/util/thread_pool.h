// Fixed pool of worker threads for data-parallel kernels. The calling thread takes part,
// so a pool of N threads runs N-1 workers. No allocation per ParallelFor call.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace vllm {

class ThreadPool {
 public:
  // num_threads includes the caller; 0 picks the number of hardware threads.
  explicit ThreadPool(int num_threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return num_threads_; }

  // Runs fn(begin, end) over [0, n) split into contiguous chunks of at least `grain`
  // items, one chunk per thread at most. Returns when every chunk is done.
  // fn must not call ParallelFor on the same pool.
  void ParallelFor(size_t n, size_t grain, const std::function<void(size_t, size_t)>& fn);

 private:
  void WorkerLoop(int worker_index);
  void RunChunk(int chunk);

  int num_threads_;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_work_;
  std::condition_variable cv_done_;
  uint64_t generation_ = 0;  // bumped per ParallelFor; workers wake on change
  bool stop_ = false;
  // Current job (valid while a ParallelFor is in flight).
  const std::function<void(size_t, size_t)>* fn_ = nullptr;
  size_t n_ = 0;
  int num_chunks_ = 0;
  std::atomic<int> next_chunk_{0};
  int pending_ = 0;  // chunks not yet finished, guarded by mu_
  std::mutex call_mu_;  // serialises concurrent ParallelFor callers
};

}  // namespace vllm
