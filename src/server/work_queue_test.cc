#include "server/work_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>

namespace vllm::server {
namespace {

TEST(WorkQueue, RunsTasksAndRefusesPastTheBound) {
  WorkQueue q(1, 2);
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::atomic<int> ran{0};
  std::promise<void> started;
  // The first task holds the only thread; two more fill the queue; the fourth is refused.
  ASSERT_TRUE(q.TryPost([&, gate] {
    started.set_value();
    gate.wait();
    ++ran;
  }));
  started.get_future().wait();
  EXPECT_TRUE(q.TryPost([&] { ++ran; }));
  EXPECT_TRUE(q.TryPost([&] { ++ran; }));
  EXPECT_FALSE(q.TryPost([&] { ++ran; }));
  release.set_value();
  q.Stop();
  EXPECT_EQ(ran.load(), 3);
  EXPECT_FALSE(q.TryPost([] {}));
}

TEST(WorkQueue, BoundsTheBytesOfQueuedTasks) {
  WorkQueue q(1, 100, 1000);
  std::promise<void> release, started;
  std::shared_future<void> gate = release.get_future().share();
  ASSERT_TRUE(q.TryPost([&, gate] {
    started.set_value();
    gate.wait();
  }));
  started.get_future().wait();
  EXPECT_TRUE(q.TryPost([] {}, 5000));  // alone in the queue: admitted whatever its size
  EXPECT_FALSE(q.TryPost([] {}, 1));    // 5001 > 1000
  release.set_value();
  q.Stop();
}

}  // namespace
}  // namespace vllm::server
