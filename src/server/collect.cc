#include "server/collect.h"

#include <chrono>

namespace vllm::server {

bool CollectAll(ServerContext& ctx, OutputPump& pump, ChoiceSet& choices) {
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
      case OutputPump::Event::kDone: return true;
      case OutputPump::Event::kTimeout: pump.AbortAll(); return false;
    }
  }
}

}  // namespace vllm::server
