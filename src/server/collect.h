// Non-streaming responses: drain a pump into a ChoiceSet, recording latency metrics.
#pragma once

#include "server/choice_set.h"
#include "server/output_pump.h"
#include "server/server_context.h"

namespace vllm::server {

// False on timeout (the engine requests are then aborted).
bool CollectAll(ServerContext& ctx, OutputPump& pump, ChoiceSet& choices);

}  // namespace vllm::server
