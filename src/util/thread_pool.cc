#include "util/thread_pool.h"

#include <algorithm>
#include <chrono>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "util/cpu_info.h"

namespace vllm {

namespace {

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#endif
}

// How long a worker keeps polling for the next job before sleeping: longer than the gap
// between the kernels of one decode step, short enough that an idle server does not burn CPU.
constexpr auto kWorkerSpin = std::chrono::microseconds(300);

// Spins until pred() or `limit` elapsed; true when pred() held.
template <typename Pred>
bool SpinUntil(Pred pred, std::chrono::microseconds limit) {
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0;; ++i) {
    if (pred()) return true;
    CpuRelax();
    if ((i & 63) == 63 && std::chrono::steady_clock::now() - start > limit) return pred();
  }
}

}  // namespace

ThreadPool::ThreadPool(int num_threads) {
  if (num_threads <= 0) num_threads = std::max(1, PhysicalCoreCount());
  num_threads_ = num_threads;
  for (int i = 1; i < num_threads_; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_.store(true);
  }
  cv_work_.notify_all();
  for (auto& t : workers_) t.join();
}

bool ThreadPool::TryClaim(uint64_t gen, int* chunk) {
  uint64_t t = ticket_.load(std::memory_order_acquire);
  while (Gen(t) == gen && (t & 0xFFFF) < ((t >> 16) & 0xFFFF)) {
    if (ticket_.compare_exchange_weak(t, t + 1, std::memory_order_acq_rel)) {
      *chunk = static_cast<int>(t & 0xFFFF);
      return true;
    }
  }
  return false;
}

void ThreadPool::RunChunk(int chunk) {
  const size_t begin = n_ * chunk / num_chunks_;
  const size_t end = n_ * (chunk + 1) / num_chunks_;
  if (begin < end) (*fn_)(begin, end);
}

void ThreadPool::FinishChunk() {
  if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    // The caller may be asleep on cv_done_; taking mu_ orders this with its predicate check.
    std::lock_guard<std::mutex> lock(mu_);
    cv_done_.notify_all();
  }
}

void ThreadPool::WorkerLoop() {
  uint64_t seen = 0;
  for (;;) {
    auto fresh = [&] { return stop_.load() || Gen(ticket_.load(std::memory_order_acquire)) != seen; };
    if (!SpinUntil(fresh, kWorkerSpin)) {
      std::unique_lock<std::mutex> lock(mu_);
      cv_work_.wait(lock, fresh);
    }
    if (stop_.load()) return;
    seen = Gen(ticket_.load(std::memory_order_acquire));
    for (int c; TryClaim(seen, &c);) {
      RunChunk(c);
      FinishChunk();
    }
  }
}

void ThreadPool::ParallelFor(size_t n, size_t grain, const std::function<void(size_t, size_t)>& fn) {
  if (n == 0) return;
  grain = std::max<size_t>(grain, 1);
  const int chunks = static_cast<int>(std::min<size_t>(num_threads_, (n + grain - 1) / grain));
  if (chunks <= 1) {
    fn(0, n);
    return;
  }
  std::lock_guard<std::mutex> call_lock(call_mu_);
  fn_ = &fn;
  n_ = n;
  num_chunks_ = chunks;
  pending_.store(chunks, std::memory_order_relaxed);
  const uint64_t gen = Gen(ticket_.load(std::memory_order_relaxed)) + 1;
  {
    // Under mu_ so that a worker about to sleep either sees the new ticket or gets notified.
    std::lock_guard<std::mutex> lock(mu_);
    ticket_.store((gen << 32) | (static_cast<uint64_t>(chunks) << 16), std::memory_order_release);
  }
  cv_work_.notify_all();
  for (int c; TryClaim(gen, &c);) {
    RunChunk(c);
    FinishChunk();
  }
  auto done = [&] { return pending_.load(std::memory_order_acquire) == 0; };
  if (!SpinUntil(done, std::chrono::milliseconds(2))) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_done_.wait(lock, done);
  }
  fn_ = nullptr;
}

}  // namespace vllm
