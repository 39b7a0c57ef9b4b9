#include "util/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace vllm {
namespace {

TEST(ThreadPoolTest, CoversEveryIndexExactlyOnce) {
  for (int threads : {1, 2, 3, 8}) {
    ThreadPool pool(threads);
    for (size_t n : {size_t{1}, size_t{7}, size_t{64}, size_t{1001}}) {
      std::vector<std::atomic<int>> hits(n);
      pool.ParallelFor(n, 1, [&](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) hits[i]++;
      });
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << "n=" << n << " i=" << i;
    }
  }
}

TEST(ThreadPoolTest, ManyCallsInARow) {
  ThreadPool pool(4);
  std::atomic<long> sum{0};
  for (int round = 0; round < 2000; ++round) {
    pool.ParallelFor(100, 10, [&](size_t b, size_t e) {
      long s = 0;
      for (size_t i = b; i < e; ++i) s += static_cast<long>(i);
      sum += s;
    });
  }
  EXPECT_EQ(sum.load(), 2000L * 4950L);
}

// Jobs of different chunk counts back to back (a stale claim would run a chunk of the wrong
// job), with pauses longer than the workers' spin so the sleep/wake path runs too.
TEST(ThreadPoolTest, VaryingChunkCountsAndSleeps) {
  ThreadPool pool(5);
  for (int round = 0; round < 300; ++round) {
    const size_t n = 1 + (round * 37) % 50;
    const size_t grain = 1 + round % 7;
    std::vector<std::atomic<int>> hits(n);
    pool.ParallelFor(n, grain, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i) hits[i]++;
    });
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << "round " << round << " i=" << i;
    if (round % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

}  // namespace
}  // namespace vllm
