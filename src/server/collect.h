// Non-streaming responses: drain a pump into a ChoiceSet, recording latency metrics.
#pragma once

#include "api/api_error.h"
#include "server/choice_set.h"
#include "server/output_pump.h"
#include "server/server_context.h"

namespace vllm::server {

enum class CollectResult { kDone, kTimeout, kClientGone };

// On kTimeout and kClientGone the engine requests are already aborted.
CollectResult CollectAll(ServerContext& ctx, OutputPump& pump, ChoiceSet& choices);

// The HTTP reply for a collection that did not finish (504, or 499 for a vanished client).
api::ApiError CollectError(const ServerContext& ctx, CollectResult r);

}  // namespace vllm::server
