#include "util/process_rss.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <vector>

namespace vllm {
namespace {

TEST(ProcessRss, ReadsVmRssInBytes) {
  const std::string path = ::testing::TempDir() + "/status_rss";
  std::ofstream(path) << "Name:\tx\nVmHWM:\t  999 kB\nVmRSS:\t  1234 kB\nThreads:\t1\n";
  EXPECT_EQ(ProcessRssBytes(path), 1234 * 1024);
  std::ofstream(path) << "Name:\tx\n";
  EXPECT_EQ(ProcessRssBytes(path), 0);
  EXPECT_EQ(ProcessRssBytes(path + ".missing"), 0);
}

TEST(ProcessRss, GrowsWhenThisProcessTouchesMemory) {
  const int64_t before = ProcessRssBytes();
  ASSERT_GT(before, 0);
  std::vector<char> big(64 << 20, 1);  // 64 MiB, written
  const int64_t after = ProcessRssBytes();
  EXPECT_GT(after, before + (32 << 20)) << static_cast<int>(big[12345]);
}

}  // namespace
}  // namespace vllm
