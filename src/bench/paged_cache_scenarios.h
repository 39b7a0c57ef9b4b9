// The seed's "memory savings demo" of the paged KV cache, as real engine runs (prefix caching
// on) measured with the engine's block accounting:
//
//   memory savings  = 1 - distinct blocks in use / block-table entries of the live sequences,
//                     at the step with the most entries (entries = the blocks the same live
//                     sequences would hold with no sharing);
//   compute savings = prompt tokens served from the cache / prompt tokens (branches scenario,
//                     where the seed's figure is "compute saved by prefix sharing").
//
// Shapes follow the seed's scenarios, which it gave in blocks of 64 tokens (e.g. a 256-token
// system prompt = 4 blocks): token counts scale with the block size, so the block shapes stay
// the seed's; --block-size 64 runs the seed's token counts.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/bench_model.h"

namespace vllm::bench {

struct ScenarioResult {
  std::string name;         // the seed's row label
  std::string metric;       // "memory" | "compute"
  double savings = 0;       // fraction in [0, 1]
  int64_t num_requests = 0;
  int64_t prompt_tokens = 0;
  int64_t block_refs_at_peak = 0;   // memory scenarios: table entries at the peak step
  int64_t blocks_used_at_peak = 0;  // distinct blocks at that step
  int64_t blocks_allocated = 0;     // fresh blocks over the scenario
  int64_t cache_hits = 0;           // admissions with a full or partial prefix hit
  int64_t tokens_saved = 0;         // prompt tokens served from the cache
};

// `scale` multiplies the request counts of the first two scenarios (20 users, 50 requests);
// each request generates `max_tokens` tokens.
Result<std::vector<ScenarioResult>> RunPagedCacheScenarios(const BenchModel& bm, double scale, int max_tokens);

nlohmann::json ScenarioToJson(const ScenarioResult& s);

}  // namespace vllm::bench
