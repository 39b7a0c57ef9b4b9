// The CLI's side of tensor parallelism (issue 20): after every rank loaded its shard
// (ModelOptions::tp_comm), rank 0 continues with the model the engine drives and every other
// rank becomes a worker (runner/tp_step.h) and exits when rank 0 stops.
#pragma once

#include <memory>

#include "dist/communicator.h"
#include "model/model.h"

namespace vllm::cli {

// Rank 0: the leader model over `shard`, reporting `full` (the checkpoint's config). Other
// ranks: serve rank 0's steps, then exit the process with status 0 (never return).
std::unique_ptr<Model> LeadOrServeShard(std::unique_ptr<Model> shard, const ModelConfig& full, Communicator& comm);

}  // namespace vllm::cli
