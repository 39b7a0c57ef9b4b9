#include "server/metrics.h"

#include <cstdio>

namespace vllm::server {

namespace {

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  return buf;
}

void Line(std::string* out, const std::string& name, const std::string& labels, double v) {
  out->append(name);
  if (!labels.empty()) out->append("{").append(labels).append("}");
  out->append(" ").append(Num(v)).append("\n");
}

void Header(std::string* out, const std::string& name, const char* type, const std::string& help) {
  out->append("# HELP ").append(name).append(" ").append(help).append("\n");
  out->append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

}  // namespace

void Histogram::Observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  ++counts_[i];
  sum_ += v;
  ++count_;
}

void Histogram::Render(const std::string& name, const std::string& help, std::string* out) const {
  Header(out, name, "histogram", help);
  uint64_t cum = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cum += counts_[i];
    Line(out, name + "_bucket", "le=\"" + Num(bounds_[i]) + "\"", static_cast<double>(cum));
  }
  Line(out, name + "_bucket", "le=\"+Inf\"", static_cast<double>(count_));
  Line(out, name + "_sum", "", sum_);
  Line(out, name + "_count", "", static_cast<double>(count_));
}

Metrics::Metrics()
    : ttft_({0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80}),
      tpot_({0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5}),
      e2e_({0.05, 0.1, 0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480}) {}

void Metrics::CountRequest(const std::string& endpoint, int status) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{endpoint, status}];
}

void Metrics::ObserveGeneration(double ttft_s, double e2e_s, int64_t completion_tokens) {
  std::lock_guard<std::mutex> lock(mu_);
  if (ttft_s > 0) {
    ttft_.Observe(ttft_s);
    recent_ttft_ms_.Add(ttft_s * 1e3);
  }
  if (ttft_s > 0 && completion_tokens > 1) {
    const double tpot_s = (e2e_s - ttft_s) / static_cast<double>(completion_tokens - 1);
    tpot_.Observe(tpot_s);
    recent_tpot_ms_.Add(tpot_s * 1e3);
  }
  e2e_.Observe(e2e_s);
  generation_tokens_ += static_cast<uint64_t>(completion_tokens);
}

LatencyPercentiles Metrics::RecentTtftMs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return recent_ttft_ms_.Percentiles();
}

LatencyPercentiles Metrics::RecentTpotMs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return recent_tpot_ms_.Percentiles();
}

void Metrics::CountPromptTokens(int64_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  prompt_tokens_ += static_cast<uint64_t>(n);
}

std::string Metrics::Render(const EngineStats& s) const {
  std::string out;
  std::lock_guard<std::mutex> lock(mu_);
  Header(&out, "vllm_cpp_http_requests_total", "counter", "HTTP requests by endpoint and status code.");
  for (const auto& [key, n] : requests_)
    Line(&out, "vllm_cpp_http_requests_total",
         "endpoint=\"" + key.first + "\",status=\"" + std::to_string(key.second) + "\"", static_cast<double>(n));
  ttft_.Render("vllm_cpp_time_to_first_token_seconds", "Time from arrival to the first generated token.", &out);
  tpot_.Render("vllm_cpp_time_per_output_token_seconds", "Mean time between output tokens after the first, per request.", &out);
  e2e_.Render("vllm_cpp_e2e_request_latency_seconds", "Time from arrival to the last token.", &out);
  Header(&out, "vllm_cpp_prompt_tokens_total", "counter", "Prompt tokens of admitted requests.");
  Line(&out, "vllm_cpp_prompt_tokens_total", "", static_cast<double>(prompt_tokens_));
  Header(&out, "vllm_cpp_generation_tokens_total", "counter", "Generated tokens delivered to clients.");
  Line(&out, "vllm_cpp_generation_tokens_total", "", static_cast<double>(generation_tokens_));
  Header(&out, "vllm_cpp_num_requests_running", "gauge", "Sequences in the running batch.");
  Line(&out, "vllm_cpp_num_requests_running", "", static_cast<double>(s.num_running));
  Header(&out, "vllm_cpp_num_requests_waiting", "gauge", "Sequences waiting for admission.");
  Line(&out, "vllm_cpp_num_requests_waiting", "", static_cast<double>(s.num_waiting));
  Header(&out, "vllm_cpp_kv_cache_usage_ratio", "gauge", "Fraction of KV blocks in use (1 = full).");
  Line(&out, "vllm_cpp_kv_cache_usage_ratio", "",
       s.kv_blocks_total > 0 ? static_cast<double>(s.kv_blocks_used) / s.kv_blocks_total : 0.0);
  Header(&out, "vllm_cpp_prefix_cache_queries_total", "counter", "Prompt tokens looked up in the prefix cache.");
  Line(&out, "vllm_cpp_prefix_cache_queries_total", "", static_cast<double>(s.prefix.queried_tokens));
  Header(&out, "vllm_cpp_prefix_cache_hits_total", "counter", "Prompt tokens found in the prefix cache (not recomputed).");
  Line(&out, "vllm_cpp_prefix_cache_hits_total", "", static_cast<double>(s.prefix.hit_tokens));
  Header(&out, "vllm_cpp_prefix_cache_requests_total", "counter", "Admissions by prefix-cache outcome.");
  Line(&out, "vllm_cpp_prefix_cache_requests_total", "result=\"full_hit\"", static_cast<double>(s.prefix.full_hits));
  Line(&out, "vllm_cpp_prefix_cache_requests_total", "result=\"partial_hit\"", static_cast<double>(s.prefix.partial_hits));
  Line(&out, "vllm_cpp_prefix_cache_requests_total", "result=\"miss\"", static_cast<double>(s.prefix.misses));
  Header(&out, "vllm_cpp_num_preemptions_total", "counter", "Sequences preempted (recomputed later) for lack of KV blocks.");
  Line(&out, "vllm_cpp_num_preemptions_total", "", static_cast<double>(s.preemptions));
  return out;
}

}  // namespace vllm::server
