#include "server/collect.h"

#include <chrono>

namespace vllm::server {

CollectResult CollectAll(ServerContext& ctx, OutputPump& pump, ChoiceSet& choices) {
  const auto t0 = OutputPump::Clock::now();
  RequestOutput o;
  while (true) {
    switch (pump.Next(&o, std::chrono::milliseconds(100))) {
      case OutputPump::Event::kOutput: {
        choices.Apply(o);
        if (o.finished) {
          const ChoiceState& c = choices.choice(o.index);
          const double e2e = std::chrono::duration<double>(OutputPump::Clock::now() - t0).count();
          ctx.metrics.ObserveGeneration(c.t_first_token_s, e2e, static_cast<int64_t>(c.token_ids.size()));
        }
        break;
      }
      case OutputPump::Event::kIdle: break;
      case OutputPump::Event::kDone: return CollectResult::kDone;
      case OutputPump::Event::kTimeout: pump.AbortAll(); return CollectResult::kTimeout;
      case OutputPump::Event::kClientGone: return CollectResult::kClientGone;
    }
  }
}

api::ApiError CollectError(const ServerContext& ctx, CollectResult r) {
  // 499 is nginx's "client closed request": nobody reads it, but metrics count it apart.
  if (r == CollectResult::kClientGone) return api::HttpError(499, "client closed the connection");
  return api::Timeout(ctx.config.timeout_s);
}

}  // namespace vllm::server
