// `vllm-cpp bench --model M [--prompts 5] [--max-tokens 256] [--temperature 0.7] [--warmup 1]
// [--output results.json]`, also installed as `vllm-cpp-bench` (the seed's command line).
//
// Sequential single-stream runs over the built-in prompts (short, medium, long, cycled), each
// request alone in the engine, generating exactly --max-tokens tokens (EOS ignored). Prefix
// caching is off so a repeated prompt is computed again, like the first time. Prints the
// seed's two layouts (M4 Max summary row, M1 Max detailed row), the runs, latency percentiles
// and memory (weights, KV cache, peak RSS).
#include <CLI/CLI.hpp>
#include <cstdio>

#include "bench/bench_model.h"
#include "bench/bench_prompts.h"
#include "bench/memory_usage.h"
#include "bench/report.h"
#include "bench/request_runner.h"
#include "bench/svg_chart.h"
#include "bench/commands.h"

namespace vllm::bench {

namespace {

using namespace vllm::bench;

struct BenchArgs {
  ModelArgs model;
  int prompts = 5;
  int max_tokens = 256;
  float temperature = 0.7f;
  int warmup = 1;
  std::string plot;  // --plot FILE.svg
};

// Tokens the warm-up requests generate: enough to run every code path (prefill, decode,
// sampling) and fault the weights in, without the minutes a full run takes on a slow CPU.
constexpr int kWarmupTokens = 8;

struct Summary {
  int64_t runs = 0, prompt_tokens = 0, generated_tokens = 0;
  double total_time_s = 0;
  std::vector<double> ttft_ms, tpot_ms, e2e_ms;
  double decode_s = 0, ttft_total_s = 0;
  int64_t decode_tokens = 0;  // generated tokens after each run's first

  double GenTokS() const { return decode_s > 0 ? static_cast<double>(decode_tokens) / decode_s : 0; }
  double PromptTokS() const { return ttft_total_s > 0 ? static_cast<double>(prompt_tokens) / ttft_total_s : 0; }
  double TotalThroughput() const {
    return total_time_s > 0 ? static_cast<double>(prompt_tokens + generated_tokens) / total_time_s : 0;
  }
  double RequestsPerS() const { return total_time_s > 0 ? static_cast<double>(runs) / total_time_s : 0; }
};

Summary Summarize(const std::vector<BatchRun>& runs) {
  Summary s;
  for (const BatchRun& b : runs) {
    const RequestResult& r = b.requests.at(0);
    ++s.runs;
    s.prompt_tokens += r.prompt_tokens;
    s.generated_tokens += r.generated_tokens;
    s.total_time_s += b.wall_s;
    s.ttft_ms.push_back(r.ttft_s * 1e3);
    s.e2e_ms.push_back(r.e2e_s * 1e3);
    if (r.generated_tokens >= 2) {
      s.tpot_ms.push_back(r.TpotSeconds() * 1e3);
      s.decode_s += r.e2e_s - r.ttft_s;
      s.decode_tokens += r.generated_tokens - 1;
    }
    s.ttft_total_s += r.ttft_s;
  }
  return s;
}

nlohmann::json Stats3(const std::vector<double>& v) {
  return {{"mean", Mean(v)}, {"p50", Percentile(v, 50)}, {"p95", Percentile(v, 95)}};
}

std::string Gb(int64_t bytes) { return Fmt("%.2f GB", static_cast<double>(bytes) / 1e9); }

void PrintReport(const BenchModel& bm, const BenchArgs& a, const std::vector<BatchRun>& runs, const Summary& s,
                 int64_t kv_bytes, int64_t peak_rss) {
  std::printf("%s\n", bm.Header().c_str());
  std::printf("## Results (%s)\n\n", bm.hardware().cpu_model.c_str());
  Table t1({"Model", "Gen Speed", "TTFT*", "Memory"});
  t1.AddRow({bm.ShortName(), Fmt("%.1f tok/s", s.GenTokS()), Fmt("%.1f ms", Mean(s.ttft_ms)), Gb(peak_rss)});
  std::printf("%s\n*TTFT = Time to First Token; Memory = peak resident set of the process.\n\n", t1.Render().c_str());

  Table t2({"Model", "Runs", "Prompt Tok", "Gen Tok", "Total Time (s)", "TTFT Mean (ms)", "TPOT Mean (ms)",
            "Gen Speed (tok/s)", "Total Throughput (tok/s)"});
  t2.AddRow({bm.ShortName(), Fmt("%lld", (long long)s.runs), Fmt("%lld", (long long)s.prompt_tokens),
             Fmt("%lld", (long long)s.generated_tokens), Fmt("%.2f", s.total_time_s), Fmt("%.1f", Mean(s.ttft_ms)),
             Fmt("%.2f", Mean(s.tpot_ms)), Fmt("%.1f", s.GenTokS()), Fmt("%.1f", s.TotalThroughput())});
  std::printf("%s\n", t2.Render().c_str());

  Table t3({"Run", "Prompt", "Prompt Tok", "Gen Tok", "TTFT (ms)", "TPOT (ms)", "Gen Speed (tok/s)",
            "Processing (tok/s)", "E2E Latency (s)"});
  for (size_t i = 0; i < runs.size(); ++i) {
    const RequestResult& r = runs[i].requests[0];
    t3.AddRow({Fmt("%zu", i + 1), BuiltinPromptKind(i), Fmt("%lld", (long long)r.prompt_tokens),
               Fmt("%lld", (long long)r.generated_tokens), Fmt("%.1f", r.ttft_s * 1e3),
               Fmt("%.2f", r.TpotSeconds() * 1e3), Fmt("%.1f", r.GenerationTokensPerSecond()),
               Fmt("%.1f", r.PromptTokensPerSecond()), Fmt("%.2f", r.e2e_s)});
  }
  std::printf("%s\n", t3.Render().c_str());

  Table t4({"TTFT p50 (ms)", "TTFT p95 (ms)", "E2E Mean (s)", "E2E p95 (s)", "Processing (tok/s)", "Requests/s",
            "Weights", "KV Cache", "Peak RSS"});
  t4.AddRow({Fmt("%.1f", Percentile(s.ttft_ms, 50)), Fmt("%.1f", Percentile(s.ttft_ms, 95)),
             Fmt("%.2f", Mean(s.e2e_ms) / 1e3), Fmt("%.2f", Percentile(s.e2e_ms, 95) / 1e3),
             Fmt("%.1f", s.PromptTokS()), Fmt("%.3f", s.RequestsPerS()),
             Gb(static_cast<int64_t>(bm.model().WeightBytes())), Gb(kv_bytes), Gb(peak_rss)});
  std::printf("%s\n", t4.Render().c_str());
  std::printf("%d prompts x %d tokens, temperature %.2f, %d warm-up request(s) of %d tokens not counted.\n",
              a.prompts, a.max_tokens, a.temperature, a.warmup, kWarmupTokens);
}

nlohmann::json ToJson(const BenchModel& bm, const BenchArgs& a, const std::vector<BatchRun>& runs,
                      const Summary& s, int64_t kv_blocks, int64_t peak_rss) {
  nlohmann::json j = bm.JsonHeader("bench");
  j["settings"] = {{"prompts", a.prompts}, {"max_tokens", a.max_tokens}, {"temperature", a.temperature},
                   {"warmup", a.warmup}, {"warmup_tokens", kWarmupTokens}, {"prefix_caching", false}};
  nlohmann::json rs = nlohmann::json::array();
  for (size_t i = 0; i < runs.size(); ++i) {
    nlohmann::json r = RequestToJson(runs[i].requests[0]);
    r["prompt_kind"] = BuiltinPromptKind(i);
    r["wall_s"] = runs[i].wall_s;
    rs.push_back(r);
  }
  j["runs"] = rs;
  j["summary"] = {{"runs", s.runs},
                  {"prompt_tokens", s.prompt_tokens},
                  {"generated_tokens", s.generated_tokens},
                  {"total_time_s", s.total_time_s},
                  {"ttft_ms", Stats3(s.ttft_ms)},
                  {"tpot_ms_mean", Mean(s.tpot_ms)},
                  {"e2e_latency_ms", Stats3(s.e2e_ms)},
                  {"generation_tokens_per_s", s.GenTokS()},
                  {"prompt_tokens_per_s", s.PromptTokS()},
                  {"total_throughput_tokens_per_s", s.TotalThroughput()},
                  {"requests_per_s", s.RequestsPerS()}};
  j["memory"] = bm.MemoryJson(kv_blocks, peak_rss);
  return j;
}

// --plot: generation speed per run (bars) and the TTFT / TPOT distributions (CDFs).
std::vector<Chart> BenchCharts(const std::vector<BatchRun>& runs, const Summary& s) {
  Chart speed{.kind = ChartKind::kBars, .title = "Generation speed per run", .x_label = "run",
              .y_label = "generation speed (tok/s)"};
  ChartSeries gen{.name = "generation tok/s"};
  for (size_t i = 0; i < runs.size(); ++i) {
    const RequestResult& r = runs[i].requests.at(0);
    speed.categories.push_back(Fmt("run %zu (%lld tok prompt)", i + 1, (long long)r.prompt_tokens));
    gen.y.push_back(r.GenerationTokensPerSecond());
  }
  speed.series.push_back(std::move(gen));
  Chart ttft{.kind = ChartKind::kCdf, .title = "Time to first token (CDF over runs)", .x_label = "TTFT (ms)",
             .y_label = "runs with TTFT <= x (%)", .series = {{.name = "TTFT", .y = s.ttft_ms}}};
  Chart tpot{.kind = ChartKind::kCdf, .title = "Time per output token (CDF over runs)", .x_label = "TPOT (ms)",
             .y_label = "runs with TPOT <= x (%)", .series = {{.name = "TPOT", .y = s.tpot_ms}}};
  return {speed, ttft, tpot};
}

int Bench(BenchArgs& a) {
  if (a.prompts <= 0) return Fail(InvalidArgument("--prompts must be >= 1"));
  if (a.max_tokens <= 0) return Fail(InvalidArgument("--max-tokens must be >= 1"));
  if (a.warmup < 0) return Fail(InvalidArgument("--warmup must be >= 0"));
  if (a.temperature < 0) return Fail(InvalidArgument("--temperature must be >= 0"));
  if (Status st = CheckOutputWritable(a.model.output); !st.ok()) return Fail(st);
  if (Status st = CheckPlotPath(a.plot); !st.ok()) return Fail(st);
  const int64_t kBudget = 512;  // tokens per step: every built-in prompt prefills in one step
  auto bm = BenchModel::Load(a.model, kBudget);
  if (!bm.ok()) return Fail(bm.status());
  if (bm->finished_as_tp_worker()) return 0;
  std::vector<std::vector<int32_t>> prompts;
  int64_t longest = 0;
  for (int i = 0; i < a.prompts; ++i) {
    auto p = EncodeBuiltinPrompt(*bm->tokenizer(), static_cast<size_t>(i));
    if (!p.ok()) return Fail(p.status());
    longest = std::max<int64_t>(longest, static_cast<int64_t>(p->size()));
    prompts.push_back(std::move(p.value()));
  }
  const int32_t bs = a.model.block_size;
  const int64_t kv_blocks = (longest + a.max_tokens + bs - 1) / bs + 1;  // one request at a time
  auto engine = bm->MakeEngine(bm->BaseConfig(kv_blocks, 1, /*prefix_caching=*/false));

  for (int w = 0; w < a.warmup; ++w) {
    auto r = RunBatch(*engine, {MakeRequest("warmup-" + std::to_string(w), prompts[0],
                                            std::min(a.max_tokens, kWarmupTokens), a.temperature, a.model.seed)});
    if (!r.ok()) return Fail(r.status());
  }
  std::vector<BatchRun> runs;
  Progress progress("bench " + bm->ShortName(), a.prompts);
  for (int i = 0; i < a.prompts; ++i) {
    progress.Update(i);
    auto r = RunBatch(*engine, {MakeRequest("run-" + std::to_string(i), prompts[i], a.max_tokens, a.temperature,
                                            a.model.seed + 1 + static_cast<uint64_t>(i))});
    if (!r.ok()) return Fail(r.status());
    runs.push_back(std::move(r.value()));
  }
  progress.Done();
  const int64_t peak_rss = PeakRssBytes();
  const int64_t kv_bytes = bm->KvCacheBytes(kv_blocks);
  bm->MeasureBandwidth();
  const Summary s = Summarize(runs);
  PrintReport(bm.value(), a, runs, s, kv_bytes, peak_rss);
  if (!a.model.output.empty()) {
    Status st = WriteJsonFile(a.model.output, ToJson(bm.value(), a, runs, s, kv_blocks, peak_rss));
    if (!st.ok()) return Fail(st);
  }
  if (!a.plot.empty()) {
    Status st = WriteSvgPage(a.plot, "vllm-cpp bench: " + bm->ShortName() + Fmt(", %d tokens per run", a.max_tokens),
                             FormatHardware(bm->hardware()), BenchCharts(runs, s));
    if (!st.ok()) return Fail(st);
  }
  return 0;
}

}  // namespace

int RunBench(int argc, char** argv) {
  CLI::App app{"Single-stream generation benchmark over built-in prompts (the seed's vllm-mlx-bench)",
               "vllm-cpp bench"};
  BenchArgs a;
  AddModelArgs(app, &a.model);
  app.add_option("--prompts", a.prompts, "Runs (built-in prompts short, medium, long, cycled)")->capture_default_str();
  app.add_option("--max-tokens", a.max_tokens, "Tokens generated per run (EOS ignored)")->capture_default_str();
  app.add_option("--temperature", a.temperature, "Sampling temperature (0: greedy)")->capture_default_str();
  app.add_option("--warmup", a.warmup, "Warm-up requests before timing")->capture_default_str();
  app.add_option("--plot", a.plot, "Also draw the charts (speed per run, TTFT/TPOT CDFs) into this .svg");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return Bench(a);
}

}  // namespace vllm::bench
