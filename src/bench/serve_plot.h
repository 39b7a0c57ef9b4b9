// bench-serve's --plot: throughput vs concurrency (one line per prompt set), and the TTFT and
// TPOT distributions of every configuration as CDFs, from the same records as the tables.
#pragma once

#include <vector>

#include "bench/serve_report.h"
#include "bench/svg_chart.h"

namespace vllm::bench {

std::vector<Chart> ServeCharts(const ServeReport& r);

}  // namespace vllm::bench
