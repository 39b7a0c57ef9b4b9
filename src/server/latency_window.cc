#include "server/latency_window.h"

#include <algorithm>
#include <cmath>

namespace vllm::server {

LatencyWindow::LatencyWindow(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {
  ring_.reserve(capacity_);
}

void LatencyWindow::Add(double v) {
  if (ring_.size() < capacity_) {
    ring_.push_back(v);
    return;
  }
  ring_[next_] = v;
  next_ = (next_ + 1) % capacity_;
}

LatencyPercentiles LatencyWindow::Percentiles() const {
  LatencyPercentiles out;
  out.count = static_cast<int64_t>(ring_.size());
  if (ring_.empty()) return out;
  std::vector<double> v = ring_;
  std::sort(v.begin(), v.end());
  // Rank p/100 * (n-1), interpolated between its neighbours.
  auto at = [&](double p) {
    const double rank = p / 100.0 * static_cast<double>(v.size() - 1);
    const size_t lo = static_cast<size_t>(std::floor(rank));
    const size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (rank - static_cast<double>(lo));
  };
  out.p50 = at(50);
  out.p90 = at(90);
  out.p99 = at(99);
  return out;
}

}  // namespace vllm::server
