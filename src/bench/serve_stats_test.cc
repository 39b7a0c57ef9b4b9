#include "bench/serve_stats.h"

#include <gtest/gtest.h>

namespace vllm::bench {
namespace {

RequestRecord Ok(double ttft, double e2e, int64_t prompt, int64_t out) {
  RequestRecord r;
  r.t_first_token_s = ttft;
  r.t_last_token_s = e2e;
  r.e2e_s = e2e;
  r.prompt_tokens = prompt;
  r.completion_tokens = out;
  r.cached_tokens = prompt / 2;
  r.num_content_chunks = out;
  return r;
}

TEST(ServeStats, TotalsRatesAndErrors) {
  RequestRecord broken;
  broken.error = RequestError::kBrokenStream;
  RequestRecord http;
  http.error = RequestError::kHttpStatus;
  const std::vector<RequestRecord> recs = {Ok(0.1, 1.1, 10, 11), Ok(0.2, 2.2, 20, 21), broken, http,
                                           Ok(0.3, 0.3, 30, 1)};
  const ServeStats s = Summarize(recs, 4.0);
  EXPECT_EQ(s.num_requests, 5);
  EXPECT_EQ(s.num_ok, 3);
  EXPECT_EQ(s.num_errors, 2);
  EXPECT_EQ(s.errors.at("broken_stream"), 1);
  EXPECT_EQ(s.errors.at("http"), 1);
  EXPECT_EQ(s.errors.at("timeout"), 0);
  EXPECT_EQ(s.prompt_tokens_total, 60);
  EXPECT_DOUBLE_EQ(s.prompt_tokens_mean, 20);
  EXPECT_EQ(s.output_tokens_total, 33);
  EXPECT_EQ(s.cached_tokens_total, 30);
  EXPECT_DOUBLE_EQ(s.output_throughput_tok_s, 33 / 4.0);
  EXPECT_DOUBLE_EQ(s.total_throughput_tok_s, 93 / 4.0);
  EXPECT_DOUBLE_EQ(s.requests_per_s, 3 / 4.0);
  // TPOT = (e2e - ttft) / (n - 1): 100 ms for both multi-token requests; the 1-token one has none.
  EXPECT_EQ(s.tpot_ms.count, 2);
  EXPECT_NEAR(s.tpot_ms.mean, 100.0, 1e-9);
  EXPECT_NEAR(s.gen_tok_s.mean, 10.0, 1e-9);
  EXPECT_EQ(s.ttft_ms.count, 3);
  EXPECT_NEAR(s.ttft_ms.p50, 200.0, 1e-9);
  EXPECT_NEAR(s.e2e_ms.mean, 1200.0, 1e-9);
  EXPECT_TRUE(s.usage_reported);
}

TEST(ServeStats, WithoutUsageCountsChunks) {
  RequestRecord r = Ok(0.1, 0.5, -1, -1);
  r.num_content_chunks = 5;
  const ServeStats s = Summarize({r}, 1.0);
  EXPECT_FALSE(s.usage_reported);
  EXPECT_EQ(s.output_tokens_total, 5);
  EXPECT_NEAR(s.tpot_ms.mean, 100.0, 1e-9);
}

TEST(ServeStats, PercentilesAreOrdered) {
  std::vector<RequestRecord> recs;
  for (int i = 0; i < 100; ++i) recs.push_back(Ok(0.001 * ((i * 37) % 100 + 1), 1.0, 5, 10));
  const ServeStats s = Summarize(recs, 10.0);
  EXPECT_LE(s.ttft_ms.p50, s.ttft_ms.p95);
  EXPECT_LE(s.ttft_ms.p95, s.ttft_ms.p99);
  EXPECT_NEAR(s.ttft_ms.p50, 50.5, 1e-9);
  EXPECT_NEAR(s.ttft_ms.p99, 99.01, 1e-9);
}

TEST(ServeStats, AllFailedHasNoRates) {
  RequestRecord r;
  r.error = RequestError::kConnection;
  const ServeStats s = Summarize({r, r}, 0.5);
  EXPECT_EQ(s.num_errors, 2);
  EXPECT_EQ(s.errors.at("connection"), 2);
  EXPECT_EQ(s.requests_per_s, 0);
  EXPECT_EQ(s.ttft_ms.count, 0);
}

}  // namespace
}  // namespace vllm::bench
