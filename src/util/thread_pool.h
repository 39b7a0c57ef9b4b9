// Fixed pool of worker threads for data-parallel kernels. The calling thread takes part,
// so a pool of N threads runs N-1 workers. No allocation per ParallelFor call.
//
// Decode issues ~200 ParallelFor calls per token a few microseconds apart, so waking a
// sleeping thread each time (tens of microseconds) would cost more than the work. Workers
// therefore spin for a short while after each job before sleeping on a condition variable,
// and the caller spins while the last chunks finish. An idle pool sleeps.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace vllm {

class ThreadPool {
 public:
  // num_threads includes the caller; 0 picks the number of physical cores.
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
  // ticket_ packs the job generation (bits 63..32), its chunk count (31..16) and the next
  // unclaimed chunk (15..0), so a claim is one CAS that can never take a chunk of a job
  // other than the one whose generation it saw.
  static uint64_t Gen(uint64_t t) { return t >> 32; }
  bool TryClaim(uint64_t gen, int* chunk);
  void RunChunk(int chunk);
  void FinishChunk();
  void WorkerLoop();

  int num_threads_;
  std::vector<std::thread> workers_;
  std::atomic<uint64_t> ticket_{0};
  std::atomic<int> pending_{0};  // chunks of the current job not yet finished
  // Current job; written by the caller only when no chunk of an earlier job is outstanding.
  const std::function<void(size_t, size_t)>* fn_ = nullptr;
  size_t n_ = 0;
  int num_chunks_ = 0;
  std::mutex mu_;  // guards sleeping and waking
  std::condition_variable cv_work_;
  std::condition_variable cv_done_;
  std::atomic<bool> stop_{false};
  std::mutex call_mu_;  // serialises concurrent ParallelFor callers
};

}  // namespace vllm
