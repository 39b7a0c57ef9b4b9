#include "bench/prefix_cache_counters.h"

#include <gtest/gtest.h>

#include "server/metrics.h"

namespace vllm::bench {
namespace {

// Reads what our server really renders, so renaming a metric there breaks this test.
TEST(PrefixCacheCounters, ReadsOurServersMetrics) {
  server::Metrics m;
  m.ObserveGeneration(0.01, 0.1, 5);
  EngineStats s;
  s.prefix = {.queries = 7, .full_hits = 2, .partial_hits = 3, .misses = 2, .queried_tokens = 901, .hit_tokens = 517};
  auto c = ParsePrefixCacheCounters(m.Render(s));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->queried_tokens, 901);
  EXPECT_EQ(c->hit_tokens, 517);
  EXPECT_EQ(c->full_hits, 2);
  EXPECT_EQ(c->partial_hits, 3);
  EXPECT_EQ(c->misses, 2);
}

TEST(PrefixCacheCounters, VllmNamesSumOverLabels) {
  const char* text =
      "# HELP vllm:prefix_cache_queries_total x\n"
      "# TYPE vllm:prefix_cache_queries_total counter\n"
      "vllm:prefix_cache_queries_total{engine=\"0\",model_name=\"m\"} 100.0\n"
      "vllm:prefix_cache_queries_total{engine=\"1\",model_name=\"m\"} 50.0\n"
      "vllm:prefix_cache_hits_total{engine=\"0\",model_name=\"m\"} 64.0 1700000000\n";
  auto c = ParsePrefixCacheCounters(text);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->queried_tokens, 150);
  EXPECT_EQ(c->hit_tokens, 64);
  EXPECT_FALSE(c->full_hits.has_value());
}

TEST(PrefixCacheCounters, AbsentWhenTheServerHasNone) {
  EXPECT_FALSE(ParsePrefixCacheCounters("").has_value());
  EXPECT_FALSE(ParsePrefixCacheCounters("llamacpp:prompt_tokens_total 12\n").has_value());
  // Queries without hits is not enough to compute a hit rate.
  EXPECT_FALSE(ParsePrefixCacheCounters("vllm_cpp_prefix_cache_queries_total 3\n").has_value());
}

TEST(PrefixCacheCounters, DeltaIsFieldwise) {
  PrefixCacheCounters a{.queried_tokens = 10, .hit_tokens = 4, .full_hits = 1, .partial_hits = 0, .misses = 2};
  PrefixCacheCounters b{.queried_tokens = 30, .hit_tokens = 20, .full_hits = 3, .partial_hits = 1, .misses = 2};
  auto d = Delta(a, b);
  EXPECT_EQ(d.queried_tokens, 20);
  EXPECT_EQ(d.hit_tokens, 16);
  EXPECT_EQ(d.full_hits, 2);
  EXPECT_EQ(d.partial_hits, 1);
  EXPECT_EQ(d.misses, 0);
  b.misses.reset();
  EXPECT_FALSE(Delta(a, b).misses.has_value());
}

}  // namespace
}  // namespace vllm::bench
