// Prometheus metrics (text exposition format 0.0.4). HTTP threads record request outcomes
// and latencies here; engine gauges and counters are read from Engine::Stats() at scrape
// time, so the engine thread does no metrics work. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "engine/engine.h"
#include "server/latency_window.h"

namespace vllm::server {

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}
  void Observe(double v);
  void Render(const std::string& name, const std::string& help, std::string* out) const;

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // per bucket (not cumulative); last = +Inf
  double sum_ = 0;
  uint64_t count_ = 0;
};

class Metrics {
 public:
  Metrics();
  void CountRequest(const std::string& endpoint, int status);
  // One finished generation (per choice). ttft_s <= 0 when no token was produced.
  void ObserveGeneration(double ttft_s, double e2e_s, int64_t completion_tokens);
  void CountPromptTokens(int64_t n);
  std::string Render(const EngineStats& s) const;
  // TTFT and TPOT (milliseconds) over the most recent generations, for /v1/status.
  LatencyPercentiles RecentTtftMs() const;
  LatencyPercentiles RecentTpotMs() const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  Histogram ttft_, tpot_, e2e_;
  LatencyWindow recent_ttft_ms_{1024}, recent_tpot_ms_{1024};
  uint64_t prompt_tokens_ = 0, generation_tokens_ = 0;
};

}  // namespace vllm::server
