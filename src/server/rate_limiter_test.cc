#include "server/rate_limiter.h"

#include <gtest/gtest.h>

namespace vllm::server {
namespace {

TEST(RateLimiter, AdmitsUpToTheLimitPerClient) {
  RateLimiter rl(3);
  EXPECT_EQ(rl.Admit("a"), 0);
  EXPECT_EQ(rl.Admit("a"), 0);
  EXPECT_EQ(rl.Admit("a"), 0);
  const int wait = rl.Admit("a");
  EXPECT_GE(wait, 1);
  EXPECT_LE(wait, 60);
  EXPECT_EQ(rl.Admit("b"), 0);  // other clients are counted separately
  EXPECT_GE(rl.Admit("a"), 1);  // refused requests do not reset the window
}

TEST(RateLimiter, ZeroIsOff) {
  RateLimiter rl(0);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(rl.Admit("a"), 0);
}

}  // namespace
}  // namespace vllm::server
