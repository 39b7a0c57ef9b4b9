// Prefix-cache counters read from a server's Prometheus /metrics, so bench-serve can report
// what each configuration did to the cache. Knows our names (server/metrics.cc) and vLLM v1's
// (vllm:prefix_cache_queries / _hits, in tokens, labelled per model and summed here). A server
// without them (llama.cpp, metrics off) yields nothing, which reports as "n/a".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vllm::bench {

struct PrefixCacheCounters {
  double queried_tokens = 0;  // prompt tokens looked up
  double hit_tokens = 0;      // prompt tokens served from the cache
  // Admissions by outcome; only our server exports these (nullopt elsewhere).
  std::optional<double> full_hits, partial_hits, misses;
};

// The counters in a Prometheus text exposition, or nullopt when it lacks the token counters.
std::optional<PrefixCacheCounters> ParsePrefixCacheCounters(std::string_view metrics_text);

// after - before, field by field (a request-outcome count is kept only when both have it).
PrefixCacheCounters Delta(const PrefixCacheCounters& before, const PrefixCacheCounters& after);

}  // namespace vllm::bench
