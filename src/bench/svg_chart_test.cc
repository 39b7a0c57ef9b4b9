#include "bench/svg_chart.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace vllm::bench {
namespace {

int Count(const std::string& s, const std::string& what) {
  int n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

TEST(NiceTicks, RoundStepsCoveringTheRange) {
  EXPECT_EQ(NiceTicks(0, 100), (std::vector<double>{0, 20, 40, 60, 80, 100}));
  EXPECT_EQ(NiceTicks(0, 9), (std::vector<double>{0, 2, 4, 6, 8, 10}));
  EXPECT_EQ(NiceTicks(0, 1.2), (std::vector<double>{0, 0.25, 0.5, 0.75, 1, 1.25}));
  const auto t = NiceTicks(3, 3);  // empty range: still ticks
  ASSERT_GE(t.size(), 2u);
  EXPECT_LE(t.front(), 3);
  EXPECT_GE(t.back(), 3);
  const auto big = NiceTicks(0, 12345);
  EXPECT_EQ(big.front(), 0);
  EXPECT_GE(big.back(), 12345);
  EXPECT_LE(big.size(), 8u);
}

TEST(SvgChart, EverySeriesIsAGroupNamedInTheXml) {
  Chart line{.kind = ChartKind::kLine, .title = "Throughput vs concurrency", .x_label = "concurrency (requests)",
             .y_label = "throughput (tok/s)"};
  line.series.push_back({.name = "output", .x = {1, 2, 4, 8}, .y = {10, 19, 35, 60}});
  line.series.push_back({.name = "total", .x = {1, 2, 4, 8}, .y = {30, 50, 90, 150}});
  Chart cdf{.kind = ChartKind::kCdf, .title = "TTFT", .x_label = "TTFT (ms)", .y_label = "requests <= x (%)"};
  cdf.series.push_back({.name = "c=1", .y = {5, 1, 3}});
  Chart bars{.kind = ChartKind::kBars, .title = "Single vs batched", .x_label = "", .y_label = "tok/s",
             .categories = {"single", "batch (4)"}};
  bars.series.push_back({.name = "throughput", .y = {12.5, 40}});
  const std::string svg = RenderSvgPage("bench-serve <tiny> & co", "CPU x, 2 threads", {line, cdf, bars});
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_EQ(Count(svg, "data-series=\"output\""), 1);
  EXPECT_EQ(Count(svg, "data-series=\"total\""), 1);
  EXPECT_EQ(Count(svg, "data-series=\"c=1\""), 1);
  EXPECT_EQ(Count(svg, "data-series=\"throughput\""), 1);
  EXPECT_EQ(Count(svg, "class=\"chart\""), 3);
  EXPECT_EQ(Count(svg, "<circle"), 8);  // one marker per line point
  EXPECT_EQ(Count(svg, "<rect x="), 2 + 4);  // two bars + a legend swatch per series (2 + 1 + 1)
  EXPECT_NE(svg.find("bench-serve &lt;tiny&gt; &amp; co"), std::string::npos);  // escaped
  EXPECT_EQ(svg.find("<tiny>"), std::string::npos);
  EXPECT_NE(svg.find("concurrency (requests)"), std::string::npos);
  EXPECT_NE(svg.find("CPU x, 2 threads"), std::string::npos);
  EXPECT_EQ(Count(svg, "<svg"), 1);
  EXPECT_EQ(Count(svg, "</svg>"), 1);
}

TEST(SvgChart, CdfStepsOncePerSampleFromZeroToAHundredPercent) {
  Chart cdf{.kind = ChartKind::kCdf, .title = "t", .x_label = "ms", .y_label = "%"};
  cdf.series.push_back({.name = "s", .y = {40, 10, 20, 30}});
  const std::string svg = RenderSvgPage("p", "h", {cdf});
  const size_t at = svg.find("data-series=\"s\"");
  const size_t pts = svg.find("points=\"", at);
  ASSERT_NE(pts, std::string::npos);
  const std::string list = svg.substr(pts + 8, svg.find('"', pts + 8) - pts - 8);
  std::istringstream in(list);
  std::vector<std::pair<double, double>> p;
  std::string xy;
  while (in >> xy) p.push_back({std::stod(xy.substr(0, xy.find(','))), std::stod(xy.substr(xy.find(',') + 1))});
  ASSERT_EQ(p.size(), 1u + 2 * 4);
  for (size_t i = 1; i < p.size(); ++i) {
    EXPECT_GE(p[i].first, p[i - 1].first) << i;   // x never goes back (samples sorted)
    EXPECT_LE(p[i].second, p[i - 1].second) << i;  // SVG y grows downwards: the CDF rises
  }
  EXPECT_GT(p.front().second, p.back().second);
}

TEST(SvgChart, PlotPathMustBeSvg) {
  EXPECT_FALSE(CheckPlotPath("out.png").ok());
  EXPECT_NE(CheckPlotPath("out.png").message().find("SVG"), std::string::npos);
  EXPECT_FALSE(CheckPlotPath("out.txt").ok());
  EXPECT_FALSE(CheckPlotPath("/nonexistent-dir/x.svg").ok());
  EXPECT_TRUE(CheckPlotPath("").ok());
  const std::string path = ::testing::TempDir() + "/plot_test.svg";
  EXPECT_TRUE(CheckPlotPath(path).ok());
  ASSERT_TRUE(WriteSvgPage(path, "t", "h", {}).ok());
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_NE(ss.str().find("</svg>"), std::string::npos);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace vllm::bench
