#include "util/mem_available.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace vllm {
namespace {

TEST(MemAvailable, ReadsTheLineInBytes) {
  const std::string path = ::testing::TempDir() + "/meminfo_test";
  std::ofstream(path) << "MemTotal:       24000000 kB\nMemFree:  100 kB\nMemAvailable:   2048 kB\n";
  auto b = MemAvailableBytes(path);
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(b.value(), 2048 * 1024);
  std::remove(path.c_str());
}

TEST(MemAvailable, MissingFileOrLineIsAnError) {
  EXPECT_FALSE(MemAvailableBytes("/nonexistent/meminfo").ok());
  const std::string path = ::testing::TempDir() + "/meminfo_noavail";
  std::ofstream(path) << "MemTotal: 1 kB\n";
  EXPECT_FALSE(MemAvailableBytes(path).ok());
  std::remove(path.c_str());
}

TEST(MemAvailable, OversizedCacheIsRefusedNamingTheFlag) {
  EXPECT_TRUE(CheckKvCacheFits(1 << 20, 2 << 20, "--kv-cache-memory").ok());
  const Status st = CheckKvCacheFits(int64_t{8} << 30, int64_t{1} << 30, "--kv-cache-memory");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("--kv-cache-memory"), std::string::npos);
  EXPECT_NE(st.message().find("8192 MiB"), std::string::npos);
}

}  // namespace
}  // namespace vllm
