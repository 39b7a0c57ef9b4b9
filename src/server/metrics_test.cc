#include "server/metrics.h"

#include <gtest/gtest.h>

#include <sstream>

namespace vllm::server {
namespace {

double Value(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  ADD_FAILURE() << "no series " << series << " in\n" << text;
  return -1;
}

TEST(Metrics, CountersHistogramsAndEngineGauges) {
  Metrics m;
  m.CountRequest("/v1/chat/completions", 200);
  m.CountRequest("/v1/chat/completions", 200);
  m.CountRequest("/v1/chat/completions", 400);
  m.ObserveGeneration(/*ttft_s=*/0.03, /*e2e_s=*/0.33, /*completion_tokens=*/4);  // tpot 0.1
  m.ObserveGeneration(0, 0.01, 0);  // aborted before its first token: e2e only
  m.CountPromptTokens(12);
  EngineStats s;
  s.num_running = 3;
  s.num_waiting = 2;
  s.kv_blocks_total = 10;
  s.kv_blocks_used = 4;
  s.prefix.queried_tokens = 100;
  s.prefix.hit_tokens = 64;
  s.preemptions = 1;
  const std::string text = m.Render(s);
  EXPECT_EQ(Value(text, R"(vllm_cpp_http_requests_total{endpoint="/v1/chat/completions",status="200"})"), 2);
  EXPECT_EQ(Value(text, R"(vllm_cpp_http_requests_total{endpoint="/v1/chat/completions",status="400"})"), 1);
  EXPECT_EQ(Value(text, "vllm_cpp_time_to_first_token_seconds_count"), 1);
  EXPECT_EQ(Value(text, R"(vllm_cpp_time_to_first_token_seconds_bucket{le="0.02"})"), 0);
  EXPECT_EQ(Value(text, R"(vllm_cpp_time_to_first_token_seconds_bucket{le="0.04"})"), 1);  // cumulative
  EXPECT_EQ(Value(text, R"(vllm_cpp_time_to_first_token_seconds_bucket{le="+Inf"})"), 1);
  EXPECT_NEAR(Value(text, "vllm_cpp_time_per_output_token_seconds_sum"), 0.1, 1e-9);
  EXPECT_EQ(Value(text, "vllm_cpp_e2e_request_latency_seconds_count"), 2);
  EXPECT_EQ(Value(text, "vllm_cpp_generation_tokens_total"), 4);
  EXPECT_EQ(Value(text, "vllm_cpp_prompt_tokens_total"), 12);
  EXPECT_EQ(Value(text, "vllm_cpp_num_requests_running"), 3);
  EXPECT_EQ(Value(text, "vllm_cpp_num_requests_waiting"), 2);
  EXPECT_DOUBLE_EQ(Value(text, "vllm_cpp_kv_cache_usage_ratio"), 0.4);
  EXPECT_EQ(Value(text, "vllm_cpp_prefix_cache_hits_total"), 64);
  EXPECT_EQ(Value(text, "vllm_cpp_num_preemptions_total"), 1);
  EXPECT_NE(text.find("# TYPE vllm_cpp_time_to_first_token_seconds histogram"), std::string::npos);
}

}  // namespace
}  // namespace vllm::server

namespace vllm::server {
namespace {

TEST(Metrics, RecentLatencyPercentilesInMilliseconds) {
  Metrics m;
  EXPECT_EQ(m.RecentTtftMs().count, 0);
  m.ObserveGeneration(/*ttft_s=*/0.03, /*e2e_s=*/0.33, /*completion_tokens=*/4);  // tpot 100 ms
  m.ObserveGeneration(/*ttft_s=*/0.05, /*e2e_s=*/0.15, /*completion_tokens=*/2);  // tpot 100 ms
  m.ObserveGeneration(0, 0.01, 0);           // no first token: neither figure
  m.ObserveGeneration(0.01, 0.01, 1);        // one token: TTFT only
  const LatencyPercentiles ttft = m.RecentTtftMs();
  EXPECT_EQ(ttft.count, 3);
  EXPECT_NEAR(ttft.p50, 30, 1e-9);
  EXPECT_NEAR(ttft.p99, 30 + 0.98 * 20, 1e-9);
  const LatencyPercentiles tpot = m.RecentTpotMs();
  EXPECT_EQ(tpot.count, 2);
  EXPECT_NEAR(tpot.p50, 100, 1e-9);
}

}  // namespace
}  // namespace vllm::server
