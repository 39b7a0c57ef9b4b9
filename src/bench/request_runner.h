// Drives an Engine synchronously (Step() on this thread, no engine thread, no HTTP) through a
// set of requests submitted together, and records what each request saw. Timestamps: TTFT is
// the engine's own RequestOutput::t_first_token_s (arrival at Submit to the first sampled
// token); end-to-end latency is Submit to the step that emitted the final output.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/engine.h"

namespace vllm::bench {

struct RequestResult {
  std::string request_id;
  int64_t prompt_tokens = 0;
  int64_t generated_tokens = 0;
  int64_t cached_prompt_tokens = 0;  // served from the prefix cache (engine's usage)
  double ttft_s = 0;
  double e2e_s = 0;
  std::string finish_reason;

  // Inter-token time after the first token: (e2e - ttft) / (generated - 1); 0 for < 2 tokens.
  double TpotSeconds() const;
  // (generated - 1) / (e2e - ttft) = 1 / TPOT: decode speed, prompt processing excluded.
  double GenerationTokensPerSecond() const;
  // prompt_tokens / ttft: prompt processing speed.
  double PromptTokensPerSecond() const;
};

struct BatchRun {
  std::vector<RequestResult> requests;  // in submission order
  double wall_s = 0;                    // first Submit to last final output
  int64_t peak_blocks_used = 0;         // over the steps of this run
  int64_t peak_blocks_shared = 0;
  int64_t peak_block_refs = 0;          // block-table entries at the step with the most
  int64_t blocks_used_at_peak_refs = 0;  // distinct blocks at that same step

  int64_t TotalPromptTokens() const;
  int64_t TotalGeneratedTokens() const;
};

// Submits requests and steps the engine until they finish, tracking block accounting after
// every step. Requests may be submitted in waves (e.g. a leader first, so that the rest find
// its prompt in the prefix cache).
class RequestRunner {
 public:
  explicit RequestRunner(Engine* engine) : engine_(engine) {}

  // A rejected request is an error: the benchmarks size their engines so that everything
  // is admissible.
  Status Submit(EngineRequest req);
  // Steps until every submitted request finished, or until `until()` (checked after each
  // step) returns true.
  Status Run(const std::function<bool()>& until = {});
  bool HasFirstToken(const std::string& request_id) const;
  // Results so far; wall_s runs from the first Submit to the last final output.
  BatchRun Results() const;

 private:
  struct Live {
    std::shared_ptr<OutputStream> stream;
    std::chrono::steady_clock::time_point t_submit;
    bool first_token = false;
    bool done = false;
  };
  Engine* engine_;
  std::vector<Live> live_;
  BatchRun run_;
  bool started_ = false;
  std::chrono::steady_clock::time_point t_start_, t_last_;
};

// Submits `reqs` at once and runs them to completion.
Result<BatchRun> RunBatch(Engine& engine, std::vector<EngineRequest> reqs);

// A request with this benchmark's sampling: exactly max_tokens tokens (EOS ignored, so every
// run generates the same amount of work), temperature, and a per-request seed.
EngineRequest MakeRequest(std::string id, std::vector<int32_t> prompt, int max_tokens, float temperature,
                          uint64_t seed);

nlohmann::json RequestToJson(const RequestResult& r);

}  // namespace vllm::bench
