// The most recent latency samples (a ring of fixed capacity) and their percentiles, for the
// dashboard's TTFT / TPOT figures in /v1/status. The Prometheus histograms in metrics.h keep
// every sample since start in coarse buckets; this answers "how is it now" exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace vllm::server {

struct LatencyPercentiles {
  int64_t count = 0;  // samples behind the figures (<= capacity)
  double p50 = 0, p90 = 0, p99 = 0;
};

class LatencyWindow {
 public:
  explicit LatencyWindow(size_t capacity);
  void Add(double v);  // the oldest sample goes when full
  // Linear-interpolated percentiles of the samples held; all zero when there are none.
  LatencyPercentiles Percentiles() const;

 private:
  std::vector<double> ring_;
  size_t capacity_;
  size_t next_ = 0;  // where the next sample goes once the ring is full
};

}  // namespace vllm::server
