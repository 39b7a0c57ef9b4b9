#include "bench/serve_stats.h"

#include "bench/report.h"

namespace vllm::bench {

Distribution Distribute(const std::vector<double>& v) {
  return {.count = static_cast<int64_t>(v.size()),
          .mean = Mean(v),
          .p50 = Percentile(v, 50),
          .p95 = Percentile(v, 95),
          .p99 = Percentile(v, 99)};
}

double TpotMs(const RequestRecord& r) {
  const int64_t n = r.OutputTokens();
  if (!r.ok() || r.t_first_token_s < 0 || n < 2) return -1;
  return 1000.0 * (r.e2e_s - r.t_first_token_s) / static_cast<double>(n - 1);
}

double GenTokPerS(const RequestRecord& r) {
  const double tpot = TpotMs(r);
  return tpot > 0 ? 1000.0 / tpot : -1;
}

ServeStats Summarize(const std::vector<RequestRecord>& records, double wall_s) {
  ServeStats s;
  s.num_requests = static_cast<int>(records.size());
  s.wall_s = wall_s;
  for (RequestError e : kAllRequestErrors) s.errors[RequestErrorName(e)] = 0;
  std::vector<double> ttft, tpot, e2e, gen;
  for (const RequestRecord& r : records) {
    if (!r.ok()) {
      ++s.num_errors;
      ++s.errors[RequestErrorName(r.error)];
      continue;
    }
    ++s.num_ok;
    if (r.prompt_tokens < 0 || r.completion_tokens < 0) s.usage_reported = false;
    s.prompt_tokens_total += std::max<int64_t>(r.prompt_tokens, 0);
    s.cached_tokens_total += std::max<int64_t>(r.cached_tokens, 0);
    s.output_tokens_total += r.OutputTokens();
    if (r.t_first_token_s >= 0) ttft.push_back(1000.0 * r.t_first_token_s);
    if (const double t = TpotMs(r); t > 0) {
      tpot.push_back(t);
      gen.push_back(1000.0 / t);
    }
    e2e.push_back(1000.0 * r.e2e_s);
  }
  s.prompt_tokens_mean = s.num_ok ? static_cast<double>(s.prompt_tokens_total) / s.num_ok : 0;
  s.ttft_ms = Distribute(ttft);
  s.tpot_ms = Distribute(tpot);
  s.e2e_ms = Distribute(e2e);
  s.gen_tok_s = Distribute(gen);
  if (wall_s > 0) {
    s.output_throughput_tok_s = static_cast<double>(s.output_tokens_total) / wall_s;
    s.total_throughput_tok_s = static_cast<double>(s.output_tokens_total + s.prompt_tokens_total) / wall_s;
    s.requests_per_s = s.num_ok / wall_s;
  }
  return s;
}

}  // namespace vllm::bench
