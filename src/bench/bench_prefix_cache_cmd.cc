// `vllm-cpp bench-prefix-cache --model M`: the seed's prefix-cache test, steps 1a-1d.
//
// Prompt 1 and prompt 2 share a preamble of --prefix-tokens tokens and differ after it. Four
// requests, one at a time: prompt 1 (expect MISS), prompt 1 again (HIT), prompt 2 (MISS or
// PREFIX_HIT: only the shared preamble's full blocks can hit), prompt 1 again (HIT). "Actual"
// is what the engine's KvCacheManager counted for that admission (its PrefixCacheStats before
// and after the request), never the test's expectation; a step whose actual result is not
// among the expected ones fails the command after the report.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "bench/bench_model.h"
#include "bench/bench_prompts.h"
#include "bench/report.h"
#include "bench/request_runner.h"
#include "bench/commands.h"

namespace vllm::bench {

namespace {

using namespace vllm::bench;

struct PrefixArgs {
  ModelArgs model;
  int prefix_tokens = 32;    // shared preamble: two 16-token blocks
  int question_tokens = 20;  // per-prompt tail
  int max_tokens = 8;
  int warmup = 1;
};

struct Step {
  const char* id;
  const char* description;
  int prompt;  // 0: prompt 1, 1: prompt 2
  std::vector<std::string> expected;
};

const Step kSteps[] = {
    {"1a", "First request", 0, {"MISS"}},
    {"1b", "Same prompt", 0, {"HIT"}},
    {"1c", "Different prompt", 1, {"MISS", "PREFIX_HIT"}},
    {"1d", "Return to prompt 1", 0, {"HIT"}},
};

struct StepResult {
  PrefixCacheStats delta;  // what the engine counted during this request
  RequestResult request;
  std::string actual;      // HIT | PREFIX_HIT | MISS
  bool pass = false;
};

PrefixCacheStats Minus(const PrefixCacheStats& a, const PrefixCacheStats& b) {
  return {.queries = a.queries - b.queries,
          .full_hits = a.full_hits - b.full_hits,
          .partial_hits = a.partial_hits - b.partial_hits,
          .misses = a.misses - b.misses,
          .queried_tokens = a.queried_tokens - b.queried_tokens,
          .hit_tokens = a.hit_tokens - b.hit_tokens};
}

std::string ExpectedText(const Step& s) {
  std::string t;
  for (const auto& e : s.expected) t += (t.empty() ? "" : " or ") + e;
  return t;
}

std::string ActualText(const StepResult& r) {
  return r.actual == "PREFIX_HIT" ? Fmt("PREFIX_HIT (%lld tok)", (long long)r.delta.hit_tokens) : r.actual;
}

nlohmann::json StatsJson(const PrefixCacheStats& s) {
  return {{"queries", s.queries},       {"full_hits", s.full_hits},           {"partial_hits", s.partial_hits},
          {"misses", s.misses},         {"queried_tokens", s.queried_tokens}, {"hit_tokens", s.hit_tokens}};
}

void PrintReport(const BenchModel& bm, const std::vector<StepResult>& res, const PrefixCacheStats& total,
                 double speedup) {
  const std::string rule(70, '='), thin(70, '-');
  std::printf("%s\n%s\n  LLM PREFIX CACHE TEST\n%s\n  Model: %s\n", bm.Header().c_str(), rule.c_str(), rule.c_str(),
              bm.source().name.c_str());
  std::printf("  Expected behavior:\n    - Same prompt → cache HIT\n    - Different prompt → cache MISS "
              "(or PREFIX_HIT on the shared preamble)\n%s\n  Results:\n", thin.c_str());
  std::printf("  Step   | Description         | Expected        | Actual     | Status\n");
  std::printf("  -------+---------------------+-----------------+------------+-------\n");
  for (size_t i = 0; i < res.size(); ++i) {
    std::string expected;
    for (const auto& e : kSteps[i].expected) expected += (expected.empty() ? "" : "/") + e;
    std::printf("  %-6s | %-19s | %-15s | %-10s | %s\n", kSteps[i].id, kSteps[i].description, expected.c_str(),
                res[i].actual.c_str(), res[i].pass ? "✓" : "✗");
  }
  std::printf("%s\n\n", rule.c_str());

  Table t({"Test", "Expected", "Actual", "Time", "Status"});
  for (size_t i = 0; i < res.size(); ++i)
    t.AddRow({kSteps[i].description, ExpectedText(kSteps[i]), ActualText(res[i]),
              Fmt("%.1fms", res[i].request.e2e_s * 1e3), res[i].pass ? "PASS" : "FAIL"});
  std::printf("%s\nFinal cache stats:\n\n", t.Render().c_str());
  const int64_t hits = total.full_hits + total.partial_hits;
  Table s({"Cache Hits", "Cache Misses", "Hit Rate", "Tokens Saved", "Cached Speedup"});
  s.AddRow({Fmt("%lld", (long long)hits), Fmt("%lld", (long long)total.misses),
            Fmt("%.1f%%", total.queries > 0 ? 100.0 * hits / total.queries : 0),
            Fmt("%lld", (long long)total.hit_tokens), Fmt("%.2fx", speedup)});
  std::printf("%s\nCached Speedup = time of 1a (MISS) / time of 1b (HIT, same prompt).\n", s.Render().c_str());
}

int PrefixCache(PrefixArgs& a) {
  if (a.prefix_tokens <= 0 || a.question_tokens <= 0)
    return Fail(InvalidArgument("--prefix-tokens and --question-tokens must be >= 1"));
  if (a.max_tokens <= 0) return Fail(InvalidArgument("--max-tokens must be >= 1"));
  if (a.warmup < 0) return Fail(InvalidArgument("--warmup must be >= 0"));
  if (Status st = CheckOutputWritable(a.model.output); !st.ok()) return Fail(st);
  const int64_t prompt_len = a.prefix_tokens + a.question_tokens;
  auto bm = BenchModel::Load(a.model, std::max<int64_t>(512, prompt_len));
  if (!bm.ok()) return Fail(bm.status());
  if (bm->finished_as_tp_worker()) return 0;
  const Tokenizer& tok = *bm->tokenizer();
  auto pre = SystemPromptTokens(tok, a.prefix_tokens);
  auto q0 = QuestionTokens(tok, 0, a.question_tokens), q1 = QuestionTokens(tok, 1, a.question_tokens);
  for (const Status& st : {pre.status(), q0.status(), q1.status()})
    if (!st.ok()) return Fail(st);
  const std::vector<int32_t> prompts[2] = {Concat(*pre, *q0), Concat(*pre, *q1)};
  const int32_t bs = a.model.block_size;
  // Room for every request's blocks to stay cached: nothing is evicted during the test.
  const int64_t kv_blocks = 6 * ((prompt_len + a.max_tokens + bs - 1) / bs) + 1;
  auto engine = bm->MakeEngine(bm->BaseConfig(kv_blocks, 1, /*prefix_caching=*/true));
  for (int w = 0; w < a.warmup; ++w) {
    auto p = EncodeBuiltinPrompt(tok, 0);
    if (!p.ok()) return Fail(p.status());
    if (auto r = RunBatch(*engine, {MakeRequest("warmup-" + std::to_string(w), *p, a.max_tokens, 0, 0)}); !r.ok())
      return Fail(r.status());
  }
  engine->ResetPrefixCache();  // the warm-up's blocks must not serve the test
  engine->Step();              // applies the reset (nothing to schedule)

  std::vector<StepResult> res;
  const PrefixCacheStats start = engine->Stats().prefix;
  for (size_t i = 0; i < std::size(kSteps); ++i) {
    const Step& step = kSteps[i];
    const PrefixCacheStats before = engine->Stats().prefix;
    auto r = RunBatch(*engine, {MakeRequest(std::string("step-") + step.id, prompts[step.prompt], a.max_tokens, 0,
                                            a.model.seed)});
    if (!r.ok()) return Fail(r.status());
    StepResult sr{.delta = Minus(engine->Stats().prefix, before), .request = r->requests[0]};
    if (sr.delta.queries != 1)
      return Fail(Internal(Fmt("step %s: the engine counted %lld prefix-cache lookups for one request", step.id,
                               (long long)sr.delta.queries)));
    sr.actual = sr.delta.full_hits ? "HIT" : sr.delta.partial_hits ? "PREFIX_HIT" : "MISS";
    sr.pass = std::find(step.expected.begin(), step.expected.end(), sr.actual) != step.expected.end();
    res.push_back(sr);
  }
  const PrefixCacheStats total = Minus(engine->Stats().prefix, start);
  const double speedup = res[1].request.e2e_s > 0 ? res[0].request.e2e_s / res[1].request.e2e_s : 0;
  bm->MeasureBandwidth();
  PrintReport(bm.value(), res, total, speedup);

  if (!a.model.output.empty()) {
    nlohmann::json j = bm->JsonHeader("bench-prefix-cache");
    j["settings"] = {{"prefix_tokens", a.prefix_tokens}, {"question_tokens", a.question_tokens},
                     {"max_tokens", a.max_tokens}, {"warmup", a.warmup}, {"temperature", 0.0}};
    nlohmann::json steps = nlohmann::json::array();
    for (size_t i = 0; i < res.size(); ++i)
      steps.push_back({{"step", kSteps[i].id},
                       {"description", kSteps[i].description},
                       {"expected", kSteps[i].expected},
                       {"actual", res[i].actual},
                       {"status", res[i].pass ? "PASS" : "FAIL"},
                       {"time_ms", res[i].request.e2e_s * 1e3},
                       {"engine_counted", StatsJson(res[i].delta)},
                       {"request", RequestToJson(res[i].request)}});
    j["steps"] = steps;
    const int64_t hits = total.full_hits + total.partial_hits;
    j["final"] = {{"cache_hits", hits},
                  {"cache_misses", total.misses},
                  {"queries", total.queries},
                  {"hit_rate", total.queries > 0 ? static_cast<double>(hits) / total.queries : 0},
                  {"tokens_saved", total.hit_tokens},
                  {"cached_speedup", speedup},
                  {"engine_counted", StatsJson(total)}};
    if (Status st = WriteJsonFile(a.model.output, j); !st.ok()) return Fail(st);
  }
  for (size_t i = 0; i < res.size(); ++i)
    if (!res[i].pass)
      return Fail(Internal(std::string("step ") + kSteps[i].id + ": expected " + ExpectedText(kSteps[i]) +
                           ", the engine counted " + res[i].actual));
  return 0;
}

}  // namespace

int RunBenchPrefixCache(int argc, char** argv) {
  CLI::App app{"Prefix cache: MISS, HIT, different prompt, HIT again (the seed's steps 1a-1d)",
               "vllm-cpp bench-prefix-cache"};
  PrefixArgs a;
  AddModelArgs(app, &a.model);
  app.add_option("--prefix-tokens", a.prefix_tokens, "Preamble tokens shared by prompts 1 and 2")
      ->capture_default_str();
  app.add_option("--question-tokens", a.question_tokens, "Tokens after the preamble, different per prompt")
      ->capture_default_str();
  app.add_option("--max-tokens", a.max_tokens, "Tokens generated per request (greedy, EOS ignored)")
      ->capture_default_str();
  app.add_option("--warmup", a.warmup, "Warm-up requests (on another prompt; the cache is reset after)")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return PrefixCache(a);
}

}  // namespace vllm::bench
