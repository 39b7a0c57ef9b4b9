// `vllm-cpp bench-batching --model M [--requests 5] [--max-tokens 64]`: continuous batching.
//
// One request alone, then N requests submitted together (built-in prompts cycled), through
// the same engine; each generates exactly --max-tokens tokens. Throughput = generated tokens /
// wall time (prompt processing included, as a client sees it); Speedup = batch throughput /
// single-request throughput. Prefix caching is off: this measures batching alone.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "bench/bench_model.h"
#include "bench/bench_prompts.h"
#include "bench/memory_usage.h"
#include "bench/report.h"
#include "bench/request_runner.h"
#include "bench/svg_chart.h"
#include "bench/commands.h"
#include "kernels/step_profile.h"

namespace vllm::bench {

namespace {

using namespace vllm::bench;

struct BatchingArgs {
  ModelArgs model;
  int requests = 5;
  int max_tokens = 64;
  float temperature = 0.7f;
  int warmup = 1;
  std::string plot;  // --plot FILE.svg
};

double TokS(const BatchRun& r) {
  return r.wall_s > 0 ? static_cast<double>(r.TotalGeneratedTokens()) / r.wall_s : 0;
}

nlohmann::json RunToJson(const BatchRun& r) {
  nlohmann::json reqs = nlohmann::json::array();
  std::vector<double> ttft;
  for (const auto& q : r.requests) reqs.push_back(RequestToJson(q)), ttft.push_back(q.ttft_s * 1e3);
  return {{"num_requests", r.requests.size()},
          {"requests", reqs},
          {"prompt_tokens", r.TotalPromptTokens()},
          {"total_tokens", r.TotalGeneratedTokens()},
          {"total_time_s", r.wall_s},
          {"throughput_tokens_per_s", TokS(r)},
          {"requests_per_s", r.wall_s > 0 ? static_cast<double>(r.requests.size()) / r.wall_s : 0},
          {"ttft_ms", {{"mean", Mean(ttft)}, {"p50", Percentile(ttft, 50)}, {"p95", Percentile(ttft, 95)}}},
          {"peak_kv_blocks_used", r.peak_blocks_used}};
}

void PrintReport(const BenchModel& bm, const BatchingArgs& a, const BatchRun& single, const BatchRun& batch,
                 int64_t peak_rss) {
  std::printf("%s\n## Continuous Batching Results\n\n", bm.Header().c_str());
  Table t1({"Model", "Single Request", Fmt("Batch (%d req)", a.requests), "Speedup"});
  t1.AddRow({bm.ShortName(), Fmt("%.1f tok/s", TokS(single)), Fmt("%.1f tok/s", TokS(batch)),
             Fmt("**%.2fx**", TokS(single) > 0 ? TokS(batch) / TokS(single) : 0)});
  std::printf("%s\n", t1.Render().c_str());
  std::printf("### Continuous Batching (%s)\n\n", bm.hardware().cpu_model.c_str());
  Table t2({"Requests", "Total Tokens", "Total Time (s)", "Throughput (tok/s)", "Requests/sec"});
  for (const BatchRun* r : {&single, &batch})
    t2.AddRow({Fmt("%zu", r->requests.size()), Fmt("%lld", (long long)r->TotalGeneratedTokens()),
               Fmt("%.2f", r->wall_s), Fmt("%.1f", TokS(*r)),
               Fmt("%.2f", r->wall_s > 0 ? static_cast<double>(r->requests.size()) / r->wall_s : 0)});
  std::printf("%s\n", t2.Render().c_str());
  std::printf("Total Tokens = generated tokens (%d per request, EOS ignored), temperature %.2f; peak RSS %.2f GB.\n",
              a.max_tokens, a.temperature, static_cast<double>(peak_rss) / 1e9);
}

// --plot: single-vs-batched throughput (bars) and each run's TTFT distribution (CDF).
std::vector<Chart> BatchingCharts(const BatchRun& single, const BatchRun& batch) {
  Chart bars{.kind = ChartKind::kBars, .title = "Single request vs continuous batching", .x_label = "",
             .y_label = "generation throughput (tok/s)",
             .categories = {"1 request", Fmt("%zu concurrent requests", batch.requests.size())},
             .series = {{.name = "throughput (tok/s)", .y = {TokS(single), TokS(batch)}}}};
  Chart ttft{.kind = ChartKind::kCdf, .title = "Time to first token (CDF over requests)", .x_label = "TTFT (ms)",
             .y_label = "requests with TTFT <= x (%)"};
  for (const auto& [name, run] : {std::pair{"single", &single}, std::pair{"batch", &batch}}) {
    ChartSeries s{.name = Fmt("%s (%zu)", name, run->requests.size())};
    for (const auto& q : run->requests) s.y.push_back(q.ttft_s * 1e3);
    ttft.series.push_back(std::move(s));
  }
  return {bars, ttft};
}

int Batching(BatchingArgs& a) {
  if (a.requests <= 0) return Fail(InvalidArgument("--requests must be >= 1"));
  if (a.max_tokens <= 0) return Fail(InvalidArgument("--max-tokens must be >= 1"));
  if (a.warmup < 0) return Fail(InvalidArgument("--warmup must be >= 0"));
  if (a.temperature < 0) return Fail(InvalidArgument("--temperature must be >= 0"));
  if (Status st = CheckOutputWritable(a.model.output); !st.ok()) return Fail(st);
  if (Status st = CheckPlotPath(a.plot); !st.ok()) return Fail(st);
  auto bm = BenchModel::Load(a.model, /*max_num_tokens=*/512);
  if (!bm.ok()) return Fail(bm.status());
  if (bm->finished_as_tp_worker()) return 0;
  std::vector<std::vector<int32_t>> prompts;
  int64_t longest = 0;
  for (int i = 0; i < a.requests; ++i) {
    auto p = EncodeBuiltinPrompt(*bm->tokenizer(), static_cast<size_t>(i));
    if (!p.ok()) return Fail(p.status());
    longest = std::max<int64_t>(longest, static_cast<int64_t>(p->size()));
    prompts.push_back(std::move(p.value()));
  }
  const int32_t bs = a.model.block_size;
  const int64_t kv_blocks = a.requests * ((longest + a.max_tokens + bs - 1) / bs) + 1;
  auto engine = bm->MakeEngine(bm->BaseConfig(kv_blocks, a.requests, /*prefix_caching=*/false));
  auto request = [&](const std::string& id, int i, int max_tokens) {
    return MakeRequest(id, prompts[i], max_tokens, a.temperature, a.model.seed + 1 + static_cast<uint64_t>(i));
  };
  for (int w = 0; w < a.warmup; ++w)
    if (auto r = RunBatch(*engine, {request("warmup-" + std::to_string(w), 0, std::min(a.max_tokens, 8))}); !r.ok())
      return Fail(r.status());
  Progress progress("bench-batching " + bm->ShortName(), 2);
  progress.Update(0);
  auto single = RunBatch(*engine, {request("single", 0, a.max_tokens)});
  if (!single.ok()) return Fail(single.status());
  progress.Update(1);
  std::vector<EngineRequest> reqs;
  for (int i = 0; i < a.requests; ++i) reqs.push_back(request("batch-" + std::to_string(i), i, a.max_tokens));
  auto batch = RunBatch(*engine, std::move(reqs));
  if (!batch.ok()) return Fail(batch.status());
  progress.Done();
  const int64_t peak_rss = PeakRssBytes();
  bm->MeasureBandwidth();
  PrintReport(bm.value(), a, single.value(), batch.value(), peak_rss);
  // VLLM_CPP_PROFILE=1: where the steps' time went (warm-up, single and batch runs together).
  if (const std::string profile = StepProfile::Report(); !profile.empty()) std::fputs(profile.c_str(), stderr);
  if (!a.plot.empty()) {
    Status st = WriteSvgPage(a.plot, "vllm-cpp bench-batching: " + bm->ShortName() + Fmt(", %d tokens per request", a.max_tokens),
                             FormatHardware(bm->hardware()), BatchingCharts(single.value(), batch.value()));
    if (!st.ok()) return Fail(st);
  }
  if (a.model.output.empty()) return 0;
  nlohmann::json j = bm->JsonHeader("bench-batching");
  j["settings"] = {{"requests", a.requests}, {"max_tokens", a.max_tokens}, {"temperature", a.temperature},
                   {"warmup", a.warmup}, {"prefix_caching", false}};
  j["single"] = RunToJson(single.value());
  j["batch"] = RunToJson(batch.value());
  j["speedup"] = TokS(single.value()) > 0 ? TokS(batch.value()) / TokS(single.value()) : 0;
  j["memory"] = bm->MemoryJson(kv_blocks, peak_rss);
  Status st = WriteJsonFile(a.model.output, j);
  return st.ok() ? 0 : Fail(st);
}

}  // namespace

int RunBenchBatching(int argc, char** argv) {
  CLI::App app{"Continuous batching: one request alone vs N concurrent requests", "vllm-cpp bench-batching"};
  BatchingArgs a;
  AddModelArgs(app, &a.model);
  app.add_option("--requests", a.requests, "Concurrent requests in the batch run")->capture_default_str();
  app.add_option("--max-tokens", a.max_tokens, "Tokens generated per request (EOS ignored)")->capture_default_str();
  app.add_option("--temperature", a.temperature, "Sampling temperature (0: greedy)")->capture_default_str();
  app.add_option("--warmup", a.warmup, "Warm-up requests before timing")->capture_default_str();
  app.add_option("--plot", a.plot, "Also draw the charts (single vs batched bars, TTFT CDF) into this .svg");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return Batching(a);
}

}  // namespace vllm::bench
