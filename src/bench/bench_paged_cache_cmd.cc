// `vllm-cpp bench-paged-cache --model M`: the seed's paged KV cache test.
//
// --requests requests (20) in 2 rounds, each round's requests submitted together; every
// prompt = one shared system prompt (--system-tokens, ~286) + its own question. Run twice on
// the same weights: without prefix sharing (prefix caching off; the KV cache is paged either
// way, which is what the seed's "without paged cache" baseline lacks) and with it. Reported
// from the engine's block accounting: fresh blocks allocated, peak shared blocks (ref count
// > 1), prefix-cache hits and prompt tokens served from the cache. Then the seed's memory
// savings scenarios (paged_cache_scenarios.h), each a real run.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "bench/bench_model.h"
#include "bench/bench_prompts.h"
#include "bench/memory_usage.h"
#include "bench/paged_cache_scenarios.h"
#include "bench/report.h"
#include "bench/request_runner.h"
#include "bench/commands.h"

namespace vllm::bench {

namespace {

using namespace vllm::bench;

struct PagedArgs {
  ModelArgs model;
  int requests = 20;
  int system_tokens = 286;
  int question_tokens = 16;
  int max_tokens = 50;
  float temperature = 0.7f;
  double scenario_scale = 1.0;
  int scenario_max_tokens = 4;
  int warmup = 1;
};

struct ModeResult {
  bool prefix_caching = false;
  std::vector<BatchRun> rounds;
  std::vector<int64_t> round_hits;
  int64_t blocks_allocated = 0, shared_blocks = 0, peak_blocks_used = 0;
  PrefixCacheStats prefix;  // counted during the two rounds

  double Time() const { return rounds[0].wall_s + rounds[1].wall_s; }
  int64_t Generated() const { return rounds[0].TotalGeneratedTokens() + rounds[1].TotalGeneratedTokens(); }
  double Throughput() const { return Time() > 0 ? static_cast<double>(Generated()) / Time() : 0; }
  int64_t Hits() const { return prefix.full_hits + prefix.partial_hits; }
};

Result<ModeResult> RunMode(const BenchModel& bm, const PagedArgs& a, const std::vector<std::vector<int32_t>>& prompts,
                           int64_t kv_blocks, bool prefix_caching) {
  ModeResult m{.prefix_caching = prefix_caching};
  const int half = a.requests / 2;
  auto engine = bm.MakeEngine(bm.BaseConfig(kv_blocks, half, prefix_caching));
  for (int w = 0; w < a.warmup; ++w) {
    ASSIGN_OR_RETURN(std::vector<int32_t> p, EncodeBuiltinPrompt(*bm.tokenizer(), 0));
    auto r = RunBatch(*engine, {MakeRequest("warmup", std::move(p), std::min(a.max_tokens, 8), a.temperature, 0)});
    if (!r.ok()) return r.status();
  }
  engine->ResetPrefixCache();  // the warm-up's blocks must not serve the test
  engine->Step();
  const EngineStats start = engine->Stats();
  for (int round = 0; round < 2; ++round) {
    const int64_t hits_before = engine->Stats().prefix.full_hits + engine->Stats().prefix.partial_hits;
    std::vector<EngineRequest> reqs;
    for (int i = round * half; i < (round + 1) * half; ++i)
      reqs.push_back(MakeRequest("req-" + std::to_string(i), prompts[i], a.max_tokens, a.temperature,
                                 a.model.seed + 1 + static_cast<uint64_t>(i)));
    ASSIGN_OR_RETURN(BatchRun run, RunBatch(*engine, std::move(reqs)));
    m.shared_blocks = std::max(m.shared_blocks, run.peak_blocks_shared);
    m.peak_blocks_used = std::max(m.peak_blocks_used, run.peak_blocks_used);
    m.rounds.push_back(std::move(run));
    const EngineStats st = engine->Stats();
    m.round_hits.push_back(st.prefix.full_hits + st.prefix.partial_hits - hits_before);
  }
  const EngineStats end = engine->Stats();
  m.blocks_allocated = end.kv_blocks_allocated - start.kv_blocks_allocated;
  m.prefix = {.queries = end.prefix.queries - start.prefix.queries,
              .full_hits = end.prefix.full_hits - start.prefix.full_hits,
              .partial_hits = end.prefix.partial_hits - start.prefix.partial_hits,
              .misses = end.prefix.misses - start.prefix.misses,
              .queried_tokens = end.prefix.queried_tokens - start.prefix.queried_tokens,
              .hit_tokens = end.prefix.hit_tokens - start.prefix.hit_tokens};
  return m;
}

void PrintMode(const char* title, const ModeResult& m, int half) {
  const std::string thin(50, '-');
  std::printf("\n%s\n%s (2 rounds of %d)\n%s\n", thin.c_str(), title, half, thin.c_str());
  std::printf("  Time: %.2fs\n  Throughput: %.1f tok/s\n", m.Time(), m.Throughput());
  if (m.prefix_caching) std::printf("\n  Paged Cache Stats:\n    Blocks allocated: %lld\n    Shared blocks: %lld\n",
                                    (long long)m.blocks_allocated, (long long)m.shared_blocks);
  const char* indent = m.prefix_caching ? "    " : "  ";
  std::printf("%sCache hits: %lld (round 1: %lld, round 2: %lld)\n%sTokens saved: %lld\n", indent, (long long)m.Hits(),
              (long long)m.round_hits[0], (long long)m.round_hits[1], indent, (long long)m.prefix.hit_tokens);
}

void PrintReport(const BenchModel& bm, const PagedArgs& a, const ModeResult& off, const ModeResult& on,
                 const std::vector<ScenarioResult>& scenarios) {
  const std::string rule(70, '='), mid(50, '=');
  const double speedup = off.Throughput() > 0 ? on.Throughput() / off.Throughput() : 0;
  std::printf("%s\n*Test: %d real inference requests in 2 rounds with a %d-token shared system prompt, %d tokens "
              "generated each*\n\n%s\n  PAGED KV CACHE - REAL INFERENCE TEST\n%s\n",
              bm.Header().c_str(), a.requests, a.system_tokens, a.max_tokens, rule.c_str(), rule.c_str());
  PrintMode("Test 1: WITHOUT Paged Cache (prefix sharing off)", off, a.requests / 2);
  PrintMode("Test 2: WITH Paged Cache (prefix sharing on)", on, a.requests / 2);
  std::printf("\n%s\nSUMMARY\n%s\n  Without paged cache: %.1f tok/s\n  With paged cache:    %.1f tok/s\n\n"
              "  Speedup: %.2fx\n  Cache hits: %lld (round 2: %lld of %d requests)\n  Tokens saved: %lld\n%s\n\n",
              mid.c_str(), mid.c_str(), off.Throughput(), on.Throughput(), speedup, (long long)on.Hits(),
              (long long)on.round_hits[1], a.requests / 2, (long long)on.prefix.hit_tokens, mid.c_str());

  std::printf("### Paged KV Cache (%s)\n\nInference benchmark (%d requests):\n\n", bm.hardware().cpu_model.c_str(),
              a.requests);
  Table t({"Mode", "Time (s)", "Throughput (tok/s)"});
  t.AddRow({"Without paged cache", Fmt("%.2f", off.Time()), Fmt("%.1f", off.Throughput())});
  t.AddRow({"With paged cache", Fmt("%.2f", on.Time()), Fmt("%.1f", on.Throughput())});
  std::printf("%s\n", t.Render().c_str());
  Table s({"Speedup", "Blocks Allocated", "Shared Blocks", "Cache Hits", "Tokens Saved"});
  s.AddRow({Fmt("%.2fx", speedup), Fmt("%lld", (long long)on.blocks_allocated), Fmt("%lld", (long long)on.shared_blocks),
            Fmt("%lld", (long long)on.Hits()), Fmt("%lld", (long long)on.prefix.hit_tokens)});
  std::printf("%s\nWithout prefix sharing the same run allocated %lld blocks.\n\nMemory savings demo:\n\n",
              s.Render().c_str(), (long long)off.blocks_allocated);
  Table m({"Scenario", "Memory Savings"});
  for (const auto& sc : scenarios) m.AddRow({sc.name, Fmt("%.1f%%", 100 * sc.savings)});
  std::printf("%s\n", m.Render().c_str());
  for (const auto& sc : scenarios) {
    if (sc.metric == "memory")
      std::printf("- %s: %lld requests; %lld distinct blocks in use for %lld block-table entries at the peak\n",
                  sc.name.c_str(), (long long)sc.num_requests, (long long)sc.blocks_used_at_peak,
                  (long long)sc.block_refs_at_peak);
    else
      std::printf("- %s: %lld requests; %lld of %lld prompt tokens served from the cache (compute saved)\n",
                  sc.name.c_str(), (long long)sc.num_requests, (long long)sc.tokens_saved, (long long)sc.prompt_tokens);
  }
}

nlohmann::json ModeToJson(const ModeResult& m) {
  nlohmann::json rounds = nlohmann::json::array();
  for (size_t i = 0; i < m.rounds.size(); ++i) {
    nlohmann::json reqs = nlohmann::json::array();
    for (const auto& r : m.rounds[i].requests) reqs.push_back(RequestToJson(r));
    rounds.push_back({{"round", i + 1},
                      {"requests", reqs},
                      {"wall_s", m.rounds[i].wall_s},
                      {"prompt_tokens", m.rounds[i].TotalPromptTokens()},
                      {"generated_tokens", m.rounds[i].TotalGeneratedTokens()},
                      {"cache_hits", m.round_hits[i]}});
  }
  return {{"prefix_caching", m.prefix_caching},
          {"rounds", rounds},
          {"time_s", m.Time()},
          {"generated_tokens", m.Generated()},
          {"throughput_tokens_per_s", m.Throughput()},
          {"blocks_allocated", m.blocks_allocated},
          {"shared_blocks", m.shared_blocks},
          {"peak_blocks_used", m.peak_blocks_used},
          {"queries", m.prefix.queries},
          {"cache_hits", m.Hits()},
          {"cache_misses", m.prefix.misses},
          {"tokens_saved", m.prefix.hit_tokens}};
}

int PagedCache(PagedArgs& a) {
  if (a.requests < 2 || a.requests % 2) return Fail(InvalidArgument("--requests must be even and >= 2 (2 rounds)"));
  if (a.system_tokens <= 0 || a.question_tokens <= 0)
    return Fail(InvalidArgument("--system-tokens and --question-tokens must be >= 1"));
  if (a.max_tokens <= 0 || a.scenario_max_tokens <= 0)
    return Fail(InvalidArgument("--max-tokens and --scenario-max-tokens must be >= 1"));
  if (!(a.scenario_scale > 0)) return Fail(InvalidArgument("--scenario-scale must be > 0"));
  if (a.warmup < 0) return Fail(InvalidArgument("--warmup must be >= 0"));
  if (a.temperature < 0) return Fail(InvalidArgument("--temperature must be >= 0"));
  if (Status st = CheckOutputWritable(a.model.output); !st.ok()) return Fail(st);
  auto bm = BenchModel::Load(a.model, /*max_num_tokens=*/2048);
  if (!bm.ok()) return Fail(bm.status());
  if (bm->finished_as_tp_worker()) return 0;
  auto sys = SystemPromptTokens(*bm->tokenizer(), a.system_tokens);
  if (!sys.ok()) return Fail(sys.status());
  std::vector<std::vector<int32_t>> prompts;
  for (int i = 0; i < a.requests; ++i) {
    auto q = QuestionTokens(*bm->tokenizer(), i, a.question_tokens);
    if (!q.ok()) return Fail(q.status());
    prompts.push_back(Concat(*sys, *q));
  }
  const int32_t bs = a.model.block_size;
  // Every request's blocks fit at once: round 2 never evicts round 1's cached blocks.
  const int64_t kv_blocks = a.requests * ((a.system_tokens + a.question_tokens + a.max_tokens + bs - 1) / bs) + 1;
  Progress progress("bench-paged-cache " + bm->ShortName(), 3);
  progress.Update(0);
  auto off = RunMode(bm.value(), a, prompts, kv_blocks, false);
  if (!off.ok()) return Fail(off.status());
  progress.Update(1);
  auto on = RunMode(bm.value(), a, prompts, kv_blocks, true);
  if (!on.ok()) return Fail(on.status());
  progress.Update(2);
  auto scenarios = RunPagedCacheScenarios(bm.value(), a.scenario_scale, a.scenario_max_tokens);
  if (!scenarios.ok()) return Fail(scenarios.status());
  progress.Done();
  const int64_t peak_rss = PeakRssBytes();
  bm->MeasureBandwidth();
  PrintReport(bm.value(), a, off.value(), on.value(), scenarios.value());
  if (a.model.output.empty()) return 0;
  nlohmann::json j = bm->JsonHeader("bench-paged-cache");
  j["settings"] = {{"requests", a.requests},           {"rounds", 2},
                   {"system_tokens", a.system_tokens}, {"question_tokens", a.question_tokens},
                   {"max_tokens", a.max_tokens},       {"temperature", a.temperature},
                   {"warmup", a.warmup},               {"scenario_scale", a.scenario_scale},
                   {"scenario_max_tokens", a.scenario_max_tokens}};
  j["without"] = ModeToJson(off.value());
  j["with"] = ModeToJson(on.value());
  j["speedup"] = off->Throughput() > 0 ? on->Throughput() / off->Throughput() : 0;
  nlohmann::json sc = nlohmann::json::array();
  for (const auto& s : scenarios.value()) sc.push_back(ScenarioToJson(s));
  j["scenarios"] = sc;
  j["memory"] = bm->MemoryJson(kv_blocks, peak_rss);
  Status st = WriteJsonFile(a.model.output, j);
  return st.ok() ? 0 : Fail(st);
}

}  // namespace

int RunBenchPagedCache(int argc, char** argv) {
  CLI::App app{"Paged KV cache: shared system prompt without and with prefix sharing, plus the memory "
               "savings scenarios",
               "vllm-cpp bench-paged-cache"};
  PagedArgs a;
  AddModelArgs(app, &a.model);
  app.add_option("--requests", a.requests, "Requests, in 2 rounds of half each")->capture_default_str();
  app.add_option("--system-tokens", a.system_tokens, "Shared system prompt tokens")->capture_default_str();
  app.add_option("--question-tokens", a.question_tokens, "Per-request question tokens")->capture_default_str();
  app.add_option("--max-tokens", a.max_tokens, "Tokens generated per request (EOS ignored)")->capture_default_str();
  app.add_option("--temperature", a.temperature, "Sampling temperature (0: greedy)")->capture_default_str();
  app.add_option("--scenario-scale", a.scenario_scale, "Multiplies the scenarios' request counts (20 users, 50 requests)")
      ->capture_default_str();
  app.add_option("--scenario-max-tokens", a.scenario_max_tokens, "Tokens generated per scenario request")
      ->capture_default_str();
  app.add_option("--warmup", a.warmup, "Warm-up requests per engine (the cache is reset after)")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return PagedCache(a);
}

}  // namespace vllm::bench
