#include "server/openai_stream.h"

#include "api/api_error.h"
#include "api/sse.h"

namespace vllm::server {

bool OpenAiStream::Step(std::string* out) {
  if (!started_) {
    started_ = true;
    Open(out);
    return true;
  }
  RequestOutput o;
  switch (pump_->Next(&o, std::chrono::milliseconds(0))) {
    case OutputPump::Event::kIdle: return true;
    case OutputPump::Event::kOutput: Emit(o, out); return true;
    case OutputPump::Event::kTimeout:
      pump_->AbortAll();
      out->append(api::SseData(api::ToOpenAiJson(api::Timeout(ctx_.config.timeout_s))));
      out->append(api::kSseDone);
      return false;
    case OutputPump::Event::kDone: break;
  }
  if (include_usage_) out->append(api::SseData(api::UsageChunkBody(h_, object_, choices_.TotalUsage())));
  out->append(api::kSseDone);
  return false;
}

const ChoiceState& OpenAiStream::ObserveFinished(int32_t index) {
  const ChoiceState& c = choices_.choice(index);
  const double e2e = std::chrono::duration<double>(OutputPump::Clock::now() - t_start_).count();
  ctx_.metrics.ObserveGeneration(c.t_first_token_s, e2e, static_cast<int64_t>(c.token_ids.size()));
  return c;
}

}  // namespace vllm::server
