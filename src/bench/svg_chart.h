// Benchmark charts as SVG (`--plot FILE.svg` on bench, bench-batching, bench-serve): plain
// data in (titles, axis labels with units, named series), a self-contained SVG file out,
// readable in any browser and embeddable in markdown. No plotting library: a few hundred
// lines of arithmetic and text beat a dependency for three chart shapes.
//
//   kLine  x-y polyline per series with markers (throughput vs concurrency)
//   kCdf   empirical CDF per series: sorted samples on x, % of samples <= x on y
//   kBars  grouped bars: one group per category, one bar per series (single vs batched)
//
// Every series is an SVG group carrying data-series="name" and a <title>, so tests find the
// series by parsing the XML. Several charts are stacked into one file (a "page").
#pragma once

#include <string>
#include <vector>

#include "util/status.h"

namespace vllm::bench {

enum class ChartKind { kLine, kCdf, kBars };

struct ChartSeries {
  std::string name;
  std::vector<double> x;  // kLine: x values; kCdf: unused; kBars: unused
  std::vector<double> y;  // kLine: y per x; kCdf: the samples; kBars: one value per category
};

struct Chart {
  ChartKind kind = ChartKind::kLine;
  std::string title;
  std::string x_label;  // with its unit, e.g. "concurrency (requests)"
  std::string y_label;  // e.g. "throughput (tok/s)"
  std::vector<std::string> categories;  // kBars only
  std::vector<ChartSeries> series;
};

// One SVG document: a title and subtitle (the hardware line), then the charts stacked.
std::string RenderSvgPage(const std::string& title, const std::string& subtitle,
                          const std::vector<Chart>& charts);

// Refuses anything but a writable *.svg path (before a benchmark spends minutes running).
Status CheckPlotPath(const std::string& path);
Status WriteSvgPage(const std::string& path, const std::string& title, const std::string& subtitle,
                    const std::vector<Chart>& charts);

// Round numbers for an axis covering [lo, hi]: about `target` ticks at 1/2/2.5/5 x 10^k.
std::vector<double> NiceTicks(double lo, double hi, int target = 5);

}  // namespace vllm::bench
