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

TEST(KvBytesFromUtilizationTest, TakesTheFractionLessWhatIsUsedAndReserved) {
  const int64_t GiB = int64_t{1} << 30;
  // 80 GiB device, 2 GiB in use, 1 GiB reserved, 0.9: 72 - 2 - 1 = 69 GiB.
  auto kv = KvBytesFromUtilization(0.9, 80 * GiB, 78 * GiB, GiB);
  ASSERT_TRUE(kv.ok()) << kv.status().message();
  EXPECT_NEAR(static_cast<double>(*kv), 69.0 * GiB, 1.0);
  EXPECT_FALSE(KvBytesFromUtilization(0.0, 80 * GiB, 78 * GiB, GiB).ok());
  EXPECT_FALSE(KvBytesFromUtilization(1.5, 80 * GiB, 78 * GiB, GiB).ok());
  EXPECT_FALSE(KvBytesFromUtilization(-0.1, 80 * GiB, 78 * GiB, GiB).ok());
  const auto none = KvBytesFromUtilization(0.05, 80 * GiB, 70 * GiB, GiB);  // 4 GiB allowed, 10 in use
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("no room"), std::string::npos) << none.status().message();
}

}  // namespace
}  // namespace vllm
