#include "io/hub/progress.h"

#include <gtest/gtest.h>

namespace vllm::hub {
namespace {

TEST(Progress, Formats) {
  EXPECT_EQ(FormatBytes(17), "17 B");
  EXPECT_EQ(FormatBytes(1536), "1.5 KiB");
  EXPECT_EQ(FormatBytes(int64_t{3} << 30), "3.0 GiB");
  EXPECT_EQ(FormatDuration(7.4), "7s");
  EXPECT_EQ(FormatDuration(245), "4:05");
  EXPECT_EQ(FormatDuration(3723), "1:02:03");
  EXPECT_EQ(FormatDuration(-1), "?");
}

TEST(Progress, LineShowsPercentBytesRateEta) {
  DownloadProgress p("model.safetensors", 100 << 20, 0, /*tty=*/false);
  p.Add(25 << 20);
  const std::string line = p.Line(DownloadProgress::Clock::now() + std::chrono::seconds(5));
  // 25 MiB in ~5 s: ~5 MiB/s, 75 MiB left: ETA ~15 s.
  EXPECT_EQ(line.substr(0, 25), " 25% 25.0 MiB/100.0 MiB 5") << line;
  EXPECT_NE(line.find("MiB/s ETA 15s"), std::string::npos) << line;
  p.Finish();
}

}  // namespace
}  // namespace vllm::hub
