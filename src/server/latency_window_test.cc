#include "server/latency_window.h"

#include <gtest/gtest.h>

namespace vllm::server {
namespace {

TEST(LatencyWindow, EmptyIsAllZero) {
  const LatencyPercentiles p = LatencyWindow(8).Percentiles();
  EXPECT_EQ(p.count, 0);
  EXPECT_EQ(p.p50, 0);
  EXPECT_EQ(p.p99, 0);
}

TEST(LatencyWindow, OneSampleIsEveryPercentile) {
  LatencyWindow w(8);
  w.Add(7.5);
  const LatencyPercentiles p = w.Percentiles();
  EXPECT_EQ(p.count, 1);
  EXPECT_DOUBLE_EQ(p.p50, 7.5);
  EXPECT_DOUBLE_EQ(p.p99, 7.5);
}

TEST(LatencyWindow, InterpolatesLikeNumpyLinear) {
  LatencyWindow w(200);
  for (int i = 101; i >= 1; --i) w.Add(i);  // 1..101 out of order
  const LatencyPercentiles p = w.Percentiles();
  EXPECT_EQ(p.count, 101);
  EXPECT_DOUBLE_EQ(p.p50, 51);  // numpy.percentile(range(1, 102), 50)
  EXPECT_DOUBLE_EQ(p.p90, 91);
  EXPECT_DOUBLE_EQ(p.p99, 100);
  LatencyWindow w2(10);
  for (double v : {1.0, 2.0, 3.0, 4.0}) w2.Add(v);
  EXPECT_DOUBLE_EQ(w2.Percentiles().p50, 2.5);
  EXPECT_NEAR(w2.Percentiles().p90, 3.7, 1e-12);
}

TEST(LatencyWindow, KeepsOnlyTheNewestSamples) {
  LatencyWindow w(4);
  for (int i = 0; i < 4; ++i) w.Add(1000);  // old, slow
  for (int i = 0; i < 5; ++i) w.Add(i + 1);  // 1..5 push them all out (5 > capacity 4)
  const LatencyPercentiles p = w.Percentiles();
  EXPECT_EQ(p.count, 4);
  EXPECT_DOUBLE_EQ(p.p99, 4.97);  // newest four: 2, 3, 4, 5
  EXPECT_DOUBLE_EQ(p.p50, 3.5);
}

}  // namespace
}  // namespace vllm::server
