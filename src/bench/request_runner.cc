#include "bench/request_runner.h"

#include <algorithm>

namespace vllm::bench {

using Clock = std::chrono::steady_clock;

double RequestResult::TpotSeconds() const {
  if (generated_tokens < 2) return 0;
  return (e2e_s - ttft_s) / static_cast<double>(generated_tokens - 1);
}

double RequestResult::GenerationTokensPerSecond() const {
  const double t = TpotSeconds();
  return t > 0 ? 1.0 / t : 0;
}

double RequestResult::PromptTokensPerSecond() const {
  return ttft_s > 0 ? static_cast<double>(prompt_tokens) / ttft_s : 0;
}

int64_t BatchRun::TotalPromptTokens() const {
  int64_t n = 0;
  for (const auto& r : requests) n += r.prompt_tokens;
  return n;
}

int64_t BatchRun::TotalGeneratedTokens() const {
  int64_t n = 0;
  for (const auto& r : requests) n += r.generated_tokens;
  return n;
}

Status RequestRunner::Submit(EngineRequest req) {
  const std::string id = req.request_id;
  const auto prompt_tokens = static_cast<int64_t>(req.prompt_token_ids.size());
  const auto t = Clock::now();
  auto stream = engine_->Submit(std::move(req));
  if (!stream.ok()) return stream.status().WithContext("request " + id);
  if (!started_) t_start_ = t, started_ = true;
  live_.push_back({.stream = std::move(stream.value()), .t_submit = t});
  run_.requests.push_back({.request_id = id, .prompt_tokens = prompt_tokens});
  return Status::Ok();
}

Status RequestRunner::Run(const std::function<bool()>& until) {
  auto all_done = [&] {
    return std::all_of(live_.begin(), live_.end(), [](const Live& l) { return l.done; });
  };
  while (!all_done()) {
    const bool stepped = engine_->Step();
    const EngineStats st = engine_->Stats();
    run_.peak_blocks_used = std::max<int64_t>(run_.peak_blocks_used, st.kv_blocks_used);
    run_.peak_blocks_shared = std::max<int64_t>(run_.peak_blocks_shared, st.kv_blocks_shared);
    if (st.kv_block_refs > run_.peak_block_refs) {
      run_.peak_block_refs = st.kv_block_refs;
      run_.blocks_used_at_peak_refs = st.kv_blocks_used;
    }
    for (size_t i = 0; i < live_.size(); ++i) {
      Live& l = live_[i];
      RequestResult& r = run_.requests[i];
      while (auto out = l.stream->Pop(std::chrono::milliseconds(0))) {
        r.generated_tokens += static_cast<int64_t>(out->new_token_ids.size());
        if (out->t_first_token_s > 0) r.ttft_s = out->t_first_token_s, l.first_token = true;
        if (out->finished) {
          t_last_ = Clock::now();
          r.e2e_s = std::chrono::duration<double>(t_last_ - l.t_submit).count();
          r.cached_prompt_tokens = out->usage.cached_prompt_tokens;
          r.finish_reason = FinishReasonName(out->finish_reason);
          l.done = true;
        }
      }
    }
    if (!stepped && !all_done() && !engine_->HasWork())
      return Internal("the engine went idle with unfinished requests");
    if (until && until()) break;
  }
  return Status::Ok();
}

bool RequestRunner::HasFirstToken(const std::string& request_id) const {
  for (size_t i = 0; i < live_.size(); ++i)
    if (run_.requests[i].request_id == request_id) return live_[i].first_token;
  return false;
}

BatchRun RequestRunner::Results() const {
  BatchRun r = run_;
  r.wall_s = started_ ? std::chrono::duration<double>(t_last_ - t_start_).count() : 0;
  return r;
}

Result<BatchRun> RunBatch(Engine& engine, std::vector<EngineRequest> reqs) {
  RequestRunner runner(&engine);
  for (auto& r : reqs) RETURN_IF_ERROR(runner.Submit(std::move(r)));
  RETURN_IF_ERROR(runner.Run());
  return runner.Results();
}

EngineRequest MakeRequest(std::string id, std::vector<int32_t> prompt, int max_tokens, float temperature,
                          uint64_t seed) {
  EngineRequest req{.request_id = std::move(id), .prompt_token_ids = std::move(prompt)};
  req.params.max_tokens = max_tokens;
  req.params.temperature = temperature;
  req.params.ignore_eos = true;
  req.params.seed = seed;
  return req;
}

nlohmann::json RequestToJson(const RequestResult& r) {
  return {{"request_id", r.request_id},
          {"prompt_tokens", r.prompt_tokens},
          {"generated_tokens", r.generated_tokens},
          {"cached_prompt_tokens", r.cached_prompt_tokens},
          {"ttft_ms", r.ttft_s * 1e3},
          {"tpot_ms", r.TpotSeconds() * 1e3},
          {"e2e_latency_ms", r.e2e_s * 1e3},
          {"generation_tokens_per_s", r.GenerationTokensPerSecond()},
          {"prompt_tokens_per_s", r.PromptTokensPerSecond()},
          {"finish_reason", r.finish_reason}};
}

}  // namespace vllm::bench
