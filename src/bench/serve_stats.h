// The figures of one bench-serve configuration, computed from its request records alone
// (pure, so tests can feed hand-made records). Only successful requests enter the latency
// distributions and token totals; failed ones are counted by kind.
//
// Definitions (docs/bench_serve.md):
//   TTFT       request sent -> first chunk with content
//   TPOT       (e2e - TTFT) / (output tokens - 1), per request (requests with >= 2 tokens)
//   gen tok/s  (output tokens - 1) / (e2e - TTFT) = 1 / TPOT, per request
//   e2e        request sent -> "data: [DONE]"
//   output throughput  sum(output tokens) / wall; total throughput adds prompt tokens
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bench/request_record.h"

namespace vllm::bench {

struct Distribution {
  int64_t count = 0;  // samples behind the figures
  double mean = 0, p50 = 0, p95 = 0, p99 = 0;
};
Distribution Distribute(const std::vector<double>& values);

struct ServeStats {
  int num_requests = 0;
  int num_ok = 0;
  int num_errors = 0;
  std::map<std::string, int> errors;  // RequestErrorName -> count, every kind present
  double wall_s = 0;
  int64_t prompt_tokens_total = 0;   // from usage, successful requests
  double prompt_tokens_mean = 0;
  int64_t output_tokens_total = 0;   // RequestRecord::OutputTokens, successful requests
  int64_t cached_tokens_total = 0;   // usage.prompt_tokens_details.cached_tokens
  bool usage_reported = true;        // every successful request carried a usage chunk
  Distribution ttft_ms, tpot_ms, e2e_ms, gen_tok_s;
  double output_throughput_tok_s = 0;
  double total_throughput_tok_s = 0;
  double requests_per_s = 0;         // successful requests / wall
};

ServeStats Summarize(const std::vector<RequestRecord>& records, double wall_s);

// Per-request derived figures (-1 when undefined), shared by Summarize and the JSON writer.
double TpotMs(const RequestRecord& r);
double GenTokPerS(const RequestRecord& r);

}  // namespace vllm::bench
