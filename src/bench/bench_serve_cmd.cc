// `vllm-cpp bench-serve --url URL [--model ID] [--concurrency 1,4,16] [--prompts SETS|FILE]
//  [--max-tokens 256] [--repetitions 3] [--response-format json-object | json-schema FILE]
//  [--format table|json|csv] [--output F]`:
// an HTTP load generator over the OpenAI streaming chat API, for any OpenAI-compatible
// server (issue #6 item 5). Per configuration (concurrency x prompt set) it sends
// RequestsPerConfiguration() requests through `concurrency` closed-loop workers and reports
// latency percentiles, throughput, errors and the prefix-cache counters' deltas from the
// server's /metrics. docs/bench_serve.md has the definitions.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>

#include "bench/hardware.h"
#include "bench/load_generator.h"
#include "bench/report.h"
#include "bench/response_format_arg.h"
#include "bench/serve_plot.h"
#include "bench/serve_prompts.h"
#include "bench/serve_report.h"
#include "bench/server_probe.h"
#include "bench/commands.h"

namespace vllm::bench {

namespace {

using namespace vllm::bench;

int Fail(const std::string& message) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  return 1;
}

Result<std::vector<int>> ParseConcurrency(const std::string& arg) {
  std::vector<int> out;
  size_t pos = 0;
  while (true) {
    const size_t comma = arg.find(',', pos);
    const std::string item = arg.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    int v = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (item.empty() || ec != std::errc() || end != item.data() + item.size() || v < 1 || v > 4096)
      return InvalidArgument("--concurrency '" + arg +
                             "': expected a comma-separated list of integers in 1..4096, like 1,4,16");
    out.push_back(v);
    if (comma == std::string::npos) return out;
    pos = comma + 1;
  }
}

// Whole waves of `concurrency` requests that cover every prompt at least once, per repetition:
// a partial last wave would leave a few requests running alone at the end and understate the
// throughput of the concurrency asked for. E.g. 5 prompts at concurrency 4: 2 waves, 8 requests.
int RequestsPerConfiguration(int concurrency, int num_prompts, int repetitions) {
  const int waves = (num_prompts + concurrency - 1) / concurrency;
  return repetitions * waves * concurrency;
}

// The prefix-cache counters now, or nullopt when the server exports none ("n/a").
std::optional<PrefixCacheCounters> ScrapePrefixCache(const ServerUrl& url, const ClientOptions& opts) {
  auto text = FetchMetricsText(url, opts);
  if (!text.ok()) return std::nullopt;
  return ParsePrefixCacheCounters(text.value());
}

std::string Render(const ServeReport& r, const std::string& format) {
  if (format == "json") return ReportToJson(r).dump(2) + "\n";
  if (format == "csv") return ReportToCsv(r);
  return ReportToTables(r);
}

// One configuration: the load itself between two /metrics scrapes.
ConfigResult RunConfiguration(const ServerUrl& url, const ClientOptions& opts, int concurrency, const PromptSet& set,
                              const ChatStreamRequest& base, int repetitions) {
  const int num_prompts = static_cast<int>(set.prompts.size());
  const int n = RequestsPerConfiguration(concurrency, num_prompts, repetitions);
  Progress progress(Fmt("bench-serve: concurrency %d, %s prompts", concurrency, set.name.c_str()), n);
  const auto before = ScrapePrefixCache(url, opts);
  LoadRun run = RunLoad(url, opts, {.concurrency = concurrency, .num_requests = n, .prompts = set.prompts,
                                    .request = base},
                        [&](int done) { progress.Update(done); });
  const auto after = ScrapePrefixCache(url, opts);
  progress.Done();
  ConfigResult cr{.concurrency = concurrency,
                  .prompt_set = set.name,
                  .num_prompts = num_prompts,
                  .stats = Summarize(run.records, run.wall_s),
                  .records = std::move(run.records)};
  if (before && after) cr.prefix_cache = Delta(*before, *after);
  return cr;
}

int WriteReport(const ServeReport& report, const std::string& format, const std::string& output) {
  if (output.empty()) {
    std::fputs(Render(report, format).c_str(), stdout);
    return 0;
  }
  std::ofstream f(output, std::ios::trunc);
  f << Render(report, format);
  if (!f.flush()) return Fail("write to '" + output + "' failed");
  std::fputs(ReportToTables(report).c_str(), stdout);
  return 0;
}

}  // namespace

int RunBenchServe(int argc, char** argv) {
  CLI::App app{"HTTP load generator over the OpenAI streaming chat API (any OpenAI-compatible server)",
               "vllm-cpp bench-serve"};
  std::string url_arg, model, concurrency_arg = "1,4,16", prompts_arg = "short,medium,long", format = "table",
                               output, plot;
  int max_tokens = 256, repetitions = 3, warmup = 1;
  double temperature = 0.7;
  bool ignore_eos = false;
  std::vector<std::string> response_format_args;
  ClientOptions opts;
  app.add_option("--url", url_arg, "Server root or its /v1 base, e.g. http://127.0.0.1:8000")->required();
  app.add_option("--model", model, "Model id to request (default: the first id of GET /v1/models)");
  app.add_option("--concurrency", concurrency_arg, "Comma list of concurrent streams, one configuration each")
      ->capture_default_str();
  app.add_option("--prompts", prompts_arg,
                 "Comma list of built-in sets (short, medium, long) or a FILE: a JSON list of strings, "
                 "or one prompt per line")
      ->capture_default_str();
  app.add_option("--max-tokens", max_tokens, "max_tokens of every request")->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--repetitions", repetitions,
                 "Rounds per configuration; each round sends whole waves of --concurrency requests that cover every prompt")
      ->capture_default_str()->check(CLI::Range(1, 100000));
  app.add_option("--temperature", temperature, "Sampling temperature")->capture_default_str()
      ->check(CLI::Range(0.0, 2.0));
  app.add_flag("--ignore-eos", ignore_eos, "Send ignore_eos (vLLM extension): every request generates max_tokens");
  app.add_option("--response-format", response_format_args,
                 "Constrain every request: 'json-object', or 'json-schema FILE' (a JSON Schema file); "
                 "compare with the same run unconstrained to see what the grammar costs")
      ->expected(1, 2);
  app.add_option("--warmup", warmup, "Untimed requests before the first configuration")->capture_default_str()
      ->check(CLI::Range(0, 1000));
  app.add_option("--api-key", opts.api_key, "Bearer token for servers started with --api-key");
  app.add_option("--request-timeout", opts.read_timeout_s, "Seconds of silence after which a stream is a timeout")
      ->capture_default_str()->check(CLI::Range(0.1, 86400.0));
  app.add_option("--format", format, "Report format: table, json or csv")->capture_default_str()
      ->check(CLI::IsMember({"table", "json", "csv"}));
  app.add_option("--output", output,
                 "Write the --format report to this file (stdout then shows the table)");
  app.add_option("--plot", plot, "Also draw the charts (throughput vs concurrency, TTFT/TPOT CDFs) into this .svg");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  auto url = ParseServerUrl(url_arg);
  if (!url.ok()) return Fail(url.status().message());
  auto concurrency = ParseConcurrency(concurrency_arg);
  if (!concurrency.ok()) return Fail(concurrency.status().message());
  auto sets = ResolvePromptSets(prompts_arg);
  if (!sets.ok()) return Fail("--prompts: " + sets.status().message());
  if (!output.empty()) {
    // Fail before a long run, not after it (append mode: an existing file stays untouched here).
    std::ofstream probe(output, std::ios::app);
    if (!probe) return Fail("cannot write --output file '" + output + "'");
  }
  if (Status st = CheckPlotPath(plot); !st.ok()) return Fail(st.message());
  ResponseFormatArg response_format;
  if (!response_format_args.empty()) {
    auto rf = ParseResponseFormatArg(response_format_args);
    if (!rf.ok()) return Fail(rf.status().message());
    response_format = std::move(rf.value());
  }
  auto first_model = FirstModelId(url.value(), opts);
  if (!first_model.ok() && (model.empty() || first_model.status().code() == StatusCode::kNotFound))
    return Fail(first_model.status().message());
  if (model.empty()) model = first_model.value();

  ServeReport report{.url = url.value().ToString(),
                     .model = model,
                     .concurrency = concurrency.value(),
                     .prompts = prompts_arg,
                     .max_tokens = max_tokens,
                     .repetitions = repetitions,
                     .temperature = temperature,
                     .ignore_eos = ignore_eos,
                     .response_format = response_format.label,
                     .client_hardware = DetectHardware(
                         *std::max_element(concurrency.value().begin(), concurrency.value().end()))};
  const ChatStreamRequest base{
      .model = model, .max_tokens = max_tokens, .temperature = temperature, .ignore_eos = ignore_eos,
      .response_format = response_format.json};
  if (warmup > 0) {
    LoadRun w = RunLoad(url.value(), opts,
                        {.concurrency = 1, .num_requests = warmup, .prompts = sets.value()[0].prompts, .request = base});
    for (const RequestRecord& r : w.records)
      if (!r.ok()) std::fprintf(stderr, "warning: warm-up request failed: %s\n", r.error_message.c_str());
  }
  for (const int c : concurrency.value())
    for (const PromptSet& set : sets.value())
      report.configs.push_back(RunConfiguration(url.value(), opts, c, set, base, repetitions));
  if (!plot.empty()) {
    const Status st = WriteSvgPage(plot, "vllm-cpp bench-serve: " + model,
                                   report.url + ", max_tokens " + std::to_string(max_tokens) +
                                       "; client: " + FormatHardware(report.client_hardware),
                                   ServeCharts(report));
    if (!st.ok()) return Fail(st.message());
  }
  return WriteReport(report, format, output);
}

}  // namespace vllm::bench
