// bench-serve's results as plain data, and their three renderings: the markdown tables
// (ours, plus the seed's "Streaming Performance" table for concurrency 1), JSON (everything,
// per request too) and CSV (one row per configuration: the JSON's configuration object
// flattened, so the two never disagree). Schema: docs/bench_serve.md.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/hardware.h"
#include "bench/prefix_cache_counters.h"
#include "bench/serve_stats.h"

namespace vllm::bench {

struct ConfigResult {
  int concurrency = 1;
  std::string prompt_set;
  int num_prompts = 0;
  ServeStats stats;
  std::optional<PrefixCacheCounters> prefix_cache;  // /metrics delta; nullopt = n/a
  std::vector<RequestRecord> records;
};

struct ServeReport {
  std::string url;
  std::string model;
  std::vector<int> concurrency;
  std::string prompts;  // the --prompts argument
  int max_tokens = 0;
  int repetitions = 0;
  double temperature = 0;
  bool ignore_eos = false;
  std::string response_format;  // "" (none), "json_object" or "json_schema FILE"
  HardwareInfo client_hardware;
  std::vector<ConfigResult> configs;
};

nlohmann::ordered_json ReportToJson(const ServeReport& r);
std::string ReportToCsv(const ServeReport& r);
std::string ReportToTables(const ServeReport& r);

}  // namespace vllm::bench
