#include "bench/paged_cache_scenarios.h"

#include <algorithm>
#include <cmath>

#include "bench/bench_prompts.h"
#include "bench/request_runner.h"

namespace vllm::bench {

namespace {

// The seed's block size: its scenario token counts are multiples or fractions of it.
constexpr int64_t kSeedBlockTokens = 64;

struct Scenario {
  const BenchModel& bm;
  int max_tokens;
  int64_t block_size;

  // A seed token count in this run's block size (at least one token).
  int64_t Tok(int64_t seed_tokens) const {
    return std::max<int64_t>(1, (seed_tokens * block_size + kSeedBlockTokens / 2) / kSeedBlockTokens);
  }
  int64_t Blocks(int64_t tokens) const { return (tokens + max_tokens + block_size - 1) / block_size; }
};

// Runs `leaders` first, until each has its first token (its prompt is then in the prefix
// cache), then `followers` together, to completion; fills the block accounting of `out`.
Status RunWaves(const Scenario& sc, Engine& engine, std::vector<std::vector<int32_t>> leaders,
                std::vector<std::vector<int32_t>> followers, ScenarioResult* out) {
  const EngineStats before = engine.Stats();
  RequestRunner runner(&engine);
  std::vector<std::string> leader_ids;
  int64_t n = 0;
  for (auto& p : leaders) {
    out->prompt_tokens += static_cast<int64_t>(p.size());
    leader_ids.push_back("leader-" + std::to_string(n));
    RETURN_IF_ERROR(runner.Submit(MakeRequest(leader_ids.back(), std::move(p), sc.max_tokens, 0, n)));
    ++n;
  }
  RETURN_IF_ERROR(runner.Run([&] {
    return std::all_of(leader_ids.begin(), leader_ids.end(), [&](const auto& id) { return runner.HasFirstToken(id); });
  }));
  for (auto& p : followers) {
    out->prompt_tokens += static_cast<int64_t>(p.size());
    RETURN_IF_ERROR(runner.Submit(MakeRequest("req-" + std::to_string(n), std::move(p), sc.max_tokens, 0, n)));
    ++n;
  }
  RETURN_IF_ERROR(runner.Run());
  const BatchRun run = runner.Results();
  const EngineStats after = engine.Stats();
  out->num_requests = n;
  out->block_refs_at_peak = run.peak_block_refs;
  out->blocks_used_at_peak = run.blocks_used_at_peak_refs;
  out->savings = run.peak_block_refs > 0
                     ? 1.0 - static_cast<double>(run.blocks_used_at_peak_refs) / static_cast<double>(run.peak_block_refs)
                     : 0;
  out->blocks_allocated = after.kv_blocks_allocated - before.kv_blocks_allocated;
  out->cache_hits = (after.prefix.full_hits + after.prefix.partial_hits) -
                    (before.prefix.full_hits + before.prefix.partial_hits);
  out->tokens_saved = after.prefix.hit_tokens - before.prefix.hit_tokens;
  return Status::Ok();
}

// 20 users (times scale) with the same 4-block system prompt and their own question of 20-115
// seed tokens; the first user runs first, the rest then arrive together.
Result<ScenarioResult> SharedSystemPrompts(const Scenario& sc, double scale) {
  ScenarioResult r{.name = "Shared system prompts", .metric = "memory"};
  const Tokenizer& tok = *sc.bm.tokenizer();
  const int64_t users = std::max<int64_t>(2, std::llround(20 * scale));
  ASSIGN_OR_RETURN(std::vector<int32_t> sys, SystemPromptTokens(tok, 4 * sc.block_size));
  std::vector<std::vector<int32_t>> prompts;
  int64_t blocks = 0;
  for (int64_t i = 0; i < users; ++i) {
    ASSIGN_OR_RETURN(std::vector<int32_t> q, QuestionTokens(tok, i, sc.Tok(20 + 5 * i)));
    prompts.push_back(Concat(sys, q));
    blocks += sc.Blocks(static_cast<int64_t>(prompts.back().size()));
  }
  auto engine = sc.bm.MakeEngine(sc.bm.BaseConfig(blocks + 1, static_cast<int32_t>(users), true));
  std::vector<std::vector<int32_t>> first = {prompts[0]};
  prompts.erase(prompts.begin());
  RETURN_IF_ERROR(RunWaves(sc, *engine, std::move(first), std::move(prompts), &r));
  return r;
}

// 50 requests (times scale) of 4 blocks each in three groups (40/30/30 %); the requests of a
// group share their first 2 blocks. One leader per group runs first.
Result<ScenarioResult> ConcurrentMemoryEfficiency(const Scenario& sc, double scale) {
  ScenarioResult r{.name = "Concurrent memory efficiency", .metric = "memory"};
  const Tokenizer& tok = *sc.bm.tokenizer();
  const int64_t n = std::max<int64_t>(3, std::llround(50 * scale));
  const int64_t g0 = std::max<int64_t>(1, std::llround(n * 0.4)), g1 = std::max<int64_t>(1, std::llround(n * 0.3));
  const int64_t sizes[3] = {g0, g1, n - g0 - g1};
  std::vector<std::vector<int32_t>> leaders, followers;
  int64_t blocks = 0, k = 0;
  for (int g = 0; g < 3; ++g) {
    ASSIGN_OR_RETURN(std::vector<int32_t> prefix, QuestionTokens(tok, 100 + g, 2 * sc.block_size));
    for (int64_t i = 0; i < sizes[g]; ++i, ++k) {
      ASSIGN_OR_RETURN(std::vector<int32_t> own, QuestionTokens(tok, 200 + k, 2 * sc.block_size));
      (i == 0 ? leaders : followers).push_back(Concat(prefix, own));
      blocks += sc.Blocks(4 * sc.block_size);
    }
  }
  auto engine = sc.bm.MakeEngine(sc.bm.BaseConfig(blocks + 1, static_cast<int32_t>(n), true));
  RETURN_IF_ERROR(RunWaves(sc, *engine, std::move(leaders), std::move(followers), &r));
  return r;
}

// A conversation tree, one request at a time: root (64 seed tokens) -> Python intro (+40) ->
// 3 follow-ups (+30, +60, +50); root -> Rust intro (+40) -> 2 follow-ups (+50, +80).
Result<ScenarioResult> PrefixSharingBranches(const Scenario& sc) {
  ScenarioResult r{.name = "Prefix sharing branches", .metric = "compute"};
  const Tokenizer& tok = *sc.bm.tokenizer();
  ASSIGN_OR_RETURN(std::vector<int32_t> root, SystemPromptTokens(tok, sc.Tok(64)));
  int64_t q = 300;
  auto extend = [&](const std::vector<int32_t>& base, int64_t seed_tokens) -> Result<std::vector<int32_t>> {
    ASSIGN_OR_RETURN(std::vector<int32_t> tail, QuestionTokens(tok, q++, sc.Tok(seed_tokens)));
    return Concat(base, tail);
  };
  std::vector<std::vector<int32_t>> convs;
  for (const auto& [intro, follow_ups] : {std::pair<int64_t, std::vector<int64_t>>{40, {30, 60, 50}},
                                          std::pair<int64_t, std::vector<int64_t>>{40, {50, 80}}}) {
    ASSIGN_OR_RETURN(std::vector<int32_t> topic, extend(root, intro));
    convs.push_back(topic);
    for (int64_t f : follow_ups) {
      ASSIGN_OR_RETURN(std::vector<int32_t> c, extend(topic, f));
      convs.push_back(std::move(c));
    }
  }
  int64_t blocks = 0;
  for (const auto& c : convs) blocks += sc.Blocks(static_cast<int64_t>(c.size()));
  auto engine = sc.bm.MakeEngine(sc.bm.BaseConfig(blocks + 1, 1, true));
  const EngineStats before = engine->Stats();
  for (size_t i = 0; i < convs.size(); ++i) {
    r.prompt_tokens += static_cast<int64_t>(convs[i].size());
    auto run = RunBatch(*engine, {MakeRequest("conv-" + std::to_string(i), convs[i], sc.max_tokens, 0, i)});
    if (!run.ok()) return run.status();
  }
  const EngineStats after = engine->Stats();
  r.num_requests = static_cast<int64_t>(convs.size());
  r.blocks_allocated = after.kv_blocks_allocated - before.kv_blocks_allocated;
  r.cache_hits = (after.prefix.full_hits + after.prefix.partial_hits) -
                 (before.prefix.full_hits + before.prefix.partial_hits);
  r.tokens_saved = after.prefix.hit_tokens - before.prefix.hit_tokens;
  r.savings = static_cast<double>(r.tokens_saved) / static_cast<double>(r.prompt_tokens);
  return r;
}

}  // namespace

Result<std::vector<ScenarioResult>> RunPagedCacheScenarios(const BenchModel& bm, double scale, int max_tokens) {
  const Scenario sc{.bm = bm, .max_tokens = max_tokens, .block_size = bm.block_size()};
  std::vector<ScenarioResult> out;
  ASSIGN_OR_RETURN(ScenarioResult a, SharedSystemPrompts(sc, scale));
  out.push_back(a);
  ASSIGN_OR_RETURN(ScenarioResult b, ConcurrentMemoryEfficiency(sc, scale));
  out.push_back(b);
  ASSIGN_OR_RETURN(ScenarioResult c, PrefixSharingBranches(sc));
  out.push_back(c);
  return out;
}

nlohmann::json ScenarioToJson(const ScenarioResult& s) {
  return {{"name", s.name},
          {"metric", s.metric},
          {"savings", s.savings},
          {"num_requests", s.num_requests},
          {"prompt_tokens", s.prompt_tokens},
          {"block_refs_at_peak", s.block_refs_at_peak},
          {"blocks_used_at_peak", s.blocks_used_at_peak},
          {"blocks_allocated", s.blocks_allocated},
          {"cache_hits", s.cache_hits},
          {"tokens_saved", s.tokens_saved}};
}

}  // namespace vllm::bench
