#include "bench/prefix_cache_counters.h"

#include <charconv>
#include <cstdlib>
#include <map>

namespace vllm::bench {

namespace {

// name -> label text -> value, from lines "name{labels} value [timestamp]"; comments skipped.
using Samples = std::map<std::string, std::map<std::string, double>, std::less<>>;

Samples ParseSamples(std::string_view text) {
  Samples out;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.empty() || line[0] == '#') continue;
    size_t name_end = line.find_first_of("{ ");
    if (name_end == std::string_view::npos) continue;
    std::string_view name = line.substr(0, name_end), labels;
    size_t rest = name_end;
    if (line[name_end] == '{') {
      const size_t close = line.find('}', name_end);
      if (close == std::string_view::npos) continue;
      labels = line.substr(name_end + 1, close - name_end - 1);
      rest = close + 1;
    }
    const std::string value(line.substr(rest));
    char* end = nullptr;
    const double v = std::strtod(value.c_str(), &end);  // strtod skips the leading space
    if (end == value.c_str()) continue;
    out[std::string(name)][std::string(labels)] = v;
  }
  return out;
}

std::optional<double> SumOf(const Samples& s, std::string_view name) {
  auto it = s.find(name);
  if (it == s.end()) return std::nullopt;
  double sum = 0;
  for (const auto& [labels, v] : it->second) sum += v;
  return sum;
}

std::optional<double> WithLabel(const Samples& s, std::string_view name, const std::string& label) {
  auto it = s.find(name);
  if (it == s.end()) return std::nullopt;
  auto l = it->second.find(label);
  if (l == it->second.end()) return std::nullopt;
  return l->second;
}

std::optional<double> Minus(const std::optional<double>& a, const std::optional<double>& b) {
  if (!a || !b) return std::nullopt;
  return *a - *b;
}

}  // namespace

std::optional<PrefixCacheCounters> ParsePrefixCacheCounters(std::string_view metrics_text) {
  const Samples s = ParseSamples(metrics_text);
  struct Names {
    const char* queries;
    const char* hits;
  };
  for (const Names& n : {Names{"vllm_cpp_prefix_cache_queries_total", "vllm_cpp_prefix_cache_hits_total"},
                         Names{"vllm:prefix_cache_queries_total", "vllm:prefix_cache_hits_total"}}) {
    auto q = SumOf(s, n.queries);
    auto h = SumOf(s, n.hits);
    if (!q || !h) continue;
    PrefixCacheCounters c{.queried_tokens = *q, .hit_tokens = *h};
    const char* req = "vllm_cpp_prefix_cache_requests_total";
    c.full_hits = WithLabel(s, req, "result=\"full_hit\"");
    c.partial_hits = WithLabel(s, req, "result=\"partial_hit\"");
    c.misses = WithLabel(s, req, "result=\"miss\"");
    return c;
  }
  return std::nullopt;
}

PrefixCacheCounters Delta(const PrefixCacheCounters& before, const PrefixCacheCounters& after) {
  return {.queried_tokens = after.queried_tokens - before.queried_tokens,
          .hit_tokens = after.hit_tokens - before.hit_tokens,
          .full_hits = Minus(after.full_hits, before.full_hits),
          .partial_hits = Minus(after.partial_hits, before.partial_hits),
          .misses = Minus(after.misses, before.misses)};
}

}  // namespace vllm::bench
