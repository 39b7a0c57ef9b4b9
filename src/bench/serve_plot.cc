#include "bench/serve_plot.h"

#include <map>

namespace vllm::bench {

std::vector<Chart> ServeCharts(const ServeReport& r) {
  Chart output{.kind = ChartKind::kLine, .title = "Output throughput vs concurrency",
               .x_label = "concurrent streams", .y_label = "output throughput (tok/s)"};
  Chart requests{.kind = ChartKind::kLine, .title = "Requests per second vs concurrency",
                 .x_label = "concurrent streams", .y_label = "requests/s"};
  Chart ttft{.kind = ChartKind::kCdf, .title = "Time to first token (CDF)", .x_label = "TTFT (ms)",
             .y_label = "requests with TTFT <= x (%)"};
  Chart tpot{.kind = ChartKind::kCdf, .title = "Time per output token (CDF)", .x_label = "TPOT (ms)",
             .y_label = "requests with TPOT <= x (%)"};
  std::map<std::string, size_t> line_of;  // prompt set -> series index
  for (const ConfigResult& c : r.configs) {
    auto [it, added] = line_of.emplace(c.prompt_set, output.series.size());
    if (added) {
      output.series.push_back({.name = c.prompt_set});
      requests.series.push_back({.name = c.prompt_set});
    }
    output.series[it->second].x.push_back(c.concurrency);
    output.series[it->second].y.push_back(c.stats.output_throughput_tok_s);
    requests.series[it->second].x.push_back(c.concurrency);
    requests.series[it->second].y.push_back(c.stats.requests_per_s);
    ChartSeries t{.name = "c=" + std::to_string(c.concurrency) + " " + c.prompt_set};
    ChartSeries p{.name = t.name};
    for (const RequestRecord& rec : c.records) {
      if (rec.ok() && rec.t_first_token_s >= 0) t.y.push_back(1000.0 * rec.t_first_token_s);
      if (const double v = TpotMs(rec); v >= 0) p.y.push_back(v);
    }
    ttft.series.push_back(std::move(t));
    tpot.series.push_back(std::move(p));
  }
  return {output, requests, ttft, tpot};
}

}  // namespace vllm::bench
