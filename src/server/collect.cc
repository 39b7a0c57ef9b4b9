#include "server/collect.h"

#include <chrono>

namespace vllm::server {

bool CollectReply::Poll(Response* res) {
  RequestOutput o;
  // Bounded per poll so one request with a burst of outputs cannot hold up the others.
  for (int i = 0; i < 256; ++i) {
    switch (pump_->Next(&o, std::chrono::milliseconds(0))) {
      case OutputPump::Event::kOutput: {
        choices_.Apply(o);
        if (o.finished) {
          const ChoiceState& c = choices_.choice(o.index);
          const double e2e =
              std::chrono::duration<double>(OutputPump::Clock::now() - t_start_).count();
          ctx_.metrics.ObserveGeneration(c.t_first_token_s, e2e,
                                         static_cast<int64_t>(c.token_ids.size()));
        }
        break;
      }
      case OutputPump::Event::kIdle:
        return false;
      case OutputPump::Event::kDone:
        finish_(choices_, res);
        return true;
      case OutputPump::Event::kTimeout:
        pump_->AbortAll();
        ReplyError(*res, api::Timeout(ctx_.config.timeout_s), style_);
        return true;
    }
  }
  return false;
}

}  // namespace vllm::server
