#include "bench/serve_report.h"

#include "bench/report.h"

namespace vllm::bench {

namespace {

using OJson = nlohmann::ordered_json;

OJson DistJson(const Distribution& d) {
  return {{"count", d.count}, {"mean", d.mean}, {"p50", d.p50}, {"p95", d.p95}, {"p99", d.p99}};
}

OJson Optional(const std::optional<double>& v) { return v ? OJson(*v) : OJson(nullptr); }

OJson PrefixJson(const std::optional<PrefixCacheCounters>& p) {
  if (!p) return nullptr;
  return {{"queried_tokens", p->queried_tokens},
          {"hit_tokens", p->hit_tokens},
          {"hit_rate", p->queried_tokens > 0 ? OJson(p->hit_tokens / p->queried_tokens) : OJson(nullptr)},
          {"full_hits", Optional(p->full_hits)},
          {"partial_hits", Optional(p->partial_hits)},
          {"misses", Optional(p->misses)}};
}

OJson RequestJson(const RequestRecord& r) {
  auto ms_or_null = [](double s) { return s >= 0 ? OJson(1000.0 * s) : OJson(nullptr); };
  auto int_or_null = [](int64_t v) { return v >= 0 ? OJson(v) : OJson(nullptr); };
  const double tpot = TpotMs(r);
  return {{"prompt_index", r.prompt_index},
          {"ok", r.ok()},
          {"error", r.ok() ? OJson(nullptr) : OJson(RequestErrorName(r.error))},
          {"error_message", r.error_message},
          {"http_status", r.http_status},
          {"start_s", r.t_start_s},
          {"ttft_ms", ms_or_null(r.t_first_token_s)},
          {"last_token_ms", ms_or_null(r.t_last_token_s)},
          {"e2e_latency_ms", 1000.0 * r.e2e_s},
          {"tpot_ms", tpot > 0 ? OJson(tpot) : OJson(nullptr)},
          {"num_content_chunks", r.num_content_chunks},
          {"prompt_tokens", int_or_null(r.prompt_tokens)},
          {"completion_tokens", int_or_null(r.completion_tokens)},
          {"cached_tokens", int_or_null(r.cached_tokens)},
          {"finish_reason", r.finish_reason}};
}

// Everything about a configuration except its per-request list (the CSV row's content).
OJson ConfigSummaryJson(const ConfigResult& c) {
  const ServeStats& s = c.stats;
  OJson errors = OJson::object();
  for (RequestError e : kAllRequestErrors) errors[RequestErrorName(e)] = s.errors.at(RequestErrorName(e));
  return {{"concurrency", c.concurrency},
          {"prompt_set", c.prompt_set},
          {"num_prompts", c.num_prompts},
          {"num_requests", s.num_requests},
          {"num_ok", s.num_ok},
          {"num_errors", s.num_errors},
          {"errors", errors},
          {"wall_time_s", s.wall_s},
          {"prompt_tokens_total", s.prompt_tokens_total},
          {"prompt_tokens_mean", s.prompt_tokens_mean},
          {"output_tokens_total", s.output_tokens_total},
          {"cached_tokens_total", s.cached_tokens_total},
          {"usage_reported", s.usage_reported},
          {"ttft_ms", DistJson(s.ttft_ms)},
          {"tpot_ms", DistJson(s.tpot_ms)},
          {"e2e_latency_ms", DistJson(s.e2e_ms)},
          {"generation_tok_s", DistJson(s.gen_tok_s)},
          {"output_throughput_tok_s", s.output_throughput_tok_s},
          {"total_throughput_tok_s", s.total_throughput_tok_s},
          {"requests_per_s", s.requests_per_s},
          {"prefix_cache", PrefixJson(c.prefix_cache)}};
}

// Nested objects become prefix_key columns; null becomes an empty cell.
void Flatten(const OJson& j, const std::string& prefix, std::vector<std::pair<std::string, std::string>>* out) {
  for (const auto& [k, v] : j.items()) {
    const std::string key = prefix.empty() ? k : prefix + "_" + k;
    if (v.is_object()) {
      Flatten(v, key, out);
    } else if (v.is_null()) {
      out->emplace_back(key, "");
    } else if (v.is_string()) {
      out->emplace_back(key, v.get<std::string>());
    } else {
      out->emplace_back(key, v.dump());
    }
  }
}

std::string CsvCell(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

// An n/a prefix_cache (null) flattens to the same columns as a measured one, left empty, so
// every CSV row has the header's columns.
OJson NullPrefixTemplate() {
  return {{"queried_tokens", nullptr}, {"hit_tokens", nullptr}, {"hit_rate", nullptr},
          {"full_hits", nullptr},      {"partial_hits", nullptr}, {"misses", nullptr}};
}

std::string PrefixCell(const std::optional<PrefixCacheCounters>& p) {
  if (!p) return "n/a";
  if (p->queried_tokens <= 0) return Fmt("%.0f/%.0f tok", p->hit_tokens, p->queried_tokens);
  return Fmt("%.0f/%.0f tok (%.0f%%)", p->hit_tokens, p->queried_tokens, 100 * p->hit_tokens / p->queried_tokens);
}

// "mlx-community/Qwen3-0.6B-8bit" -> "Qwen3-0.6B-8bit" (the seed's Model column), also for paths.
std::string ShortModelName(const std::string& id) {
  const size_t slash = id.find_last_of('/');
  return slash == std::string::npos || slash + 1 == id.size() ? id : id.substr(slash + 1);
}

}  // namespace

OJson ReportToJson(const ServeReport& r) {
  OJson configs = OJson::array();
  for (const ConfigResult& c : r.configs) {
    OJson j = ConfigSummaryJson(c);
    OJson reqs = OJson::array();
    for (const RequestRecord& rec : c.records) reqs.push_back(RequestJson(rec));
    j["requests"] = std::move(reqs);
    configs.push_back(std::move(j));
  }
  return {{"command", "bench-serve"},
          {"url", r.url},
          {"model", r.model},
          {"settings",
           {{"concurrency", r.concurrency},
            {"prompts", r.prompts},
            {"max_tokens", r.max_tokens},
            {"repetitions", r.repetitions},
            {"temperature", r.temperature},
            {"ignore_eos", r.ignore_eos},
            {"response_format", r.response_format}}},
          {"hardware", HardwareToJson(r.client_hardware)},
          {"hardware_line", FormatHardware(r.client_hardware)},
          {"configurations", std::move(configs)}};
}

std::string ReportToCsv(const ServeReport& r) {
  std::string out;
  for (size_t i = 0; i < r.configs.size(); ++i) {
    OJson j = ConfigSummaryJson(r.configs[i]);
    if (j["prefix_cache"].is_null()) j["prefix_cache"] = NullPrefixTemplate();  // same columns every row
    std::vector<std::pair<std::string, std::string>> cells;
    Flatten(j, "", &cells);
    if (i == 0) {
      for (size_t k = 0; k < cells.size(); ++k) out += (k ? "," : "") + CsvCell(cells[k].first);
      out += "\n";
    }
    for (size_t k = 0; k < cells.size(); ++k) out += (k ? "," : "") + CsvCell(cells[k].second);
    out += "\n";
  }
  return out;
}

std::string ReportToTables(const ServeReport& r) {
  std::string out = "bench-serve: " + r.url + ", model " + r.model + Fmt(", max_tokens %d, ", r.max_tokens) +
                    Fmt("temperature %.2g%s", r.temperature, r.ignore_eos ? ", ignore_eos" : "") +
                    (r.response_format.empty() ? "" : ", response_format " + r.response_format) + "\n" +
                    "client: " + FormatHardware(r.client_hardware) + "\n\n";
  Table t({"Concurrency", "Prompts", "Requests", "Errors", "Prompt Tokens", "TTFT p50", "TTFT p95", "TTFT p99",
           "TPOT", "E2E Latency", "Generation Speed", "Throughput", "Total Throughput", "Requests/s",
           "Prefix Cache Hits"});
  for (const ConfigResult& c : r.configs) {
    const ServeStats& s = c.stats;
    t.AddRow({Fmt("%d", c.concurrency), c.prompt_set, Fmt("%d", s.num_requests), Fmt("%d", s.num_errors),
              Fmt("%.1f", s.prompt_tokens_mean), Fmt("%.1fms", s.ttft_ms.p50), Fmt("%.1fms", s.ttft_ms.p95),
              Fmt("%.1fms", s.ttft_ms.p99), Fmt("%.2fms", s.tpot_ms.mean), Fmt("%.3fs", s.e2e_ms.mean / 1000),
              Fmt("%.1f tok/s", s.gen_tok_s.mean), Fmt("%.1f tok/s", s.output_throughput_tok_s),
              Fmt("%.1f tok/s", s.total_throughput_tok_s), Fmt("%.2f", s.requests_per_s),
              PrefixCell(c.prefix_cache)});
  }
  out += t.Render();
  // The seed's table: one row per prompt set run alone (concurrency 1); TTFT and speed are means.
  Table seed({"Model", "TTFT", "Generation Speed"});
  int rows = 0;
  for (const ConfigResult& c : r.configs) {
    if (c.concurrency != 1) continue;
    seed.AddRow({ShortModelName(r.model) + " (" + c.prompt_set + ")", Fmt("~%.1fms", c.stats.ttft_ms.mean),
                 Fmt("%.1f tok/s", c.stats.gen_tok_s.mean)});
    ++rows;
  }
  if (rows > 0) out += "\n## Streaming Performance\n\n" + seed.Render();
  return out;
}

}  // namespace vllm::bench
