// One rank's shard of a Llama-family model (issue 20): the model factory calls
// BindTensorParallelLlama when ModelOptions::tp_comm is set. The returned model computes this
// rank's share of every step (its config is the shard's: heads, KV heads and intermediate
// sizes divided) and meets the other ranks in its collectives; runner/tp_step.h then makes
// rank 0 the leader and every other rank a worker.
#pragma once

#include <memory>

#include "dist/communicator.h"
#include "model/model.h"
#include "model/weight_arena.h"
#include "model/weight_source.h"

namespace vllm {

// Binds this rank's shard of `full` from `source` (full tensors, into `arena`, which then moves
// into the model). CPU backend only.
Result<std::unique_ptr<Model>> BindTensorParallelLlama(WeightSource& source, const ModelConfig& full,
                                                       Communicator& comm, std::unique_ptr<Backend> backend,
                                                       WeightArena& arena, int64_t max_num_tokens);

}  // namespace vllm
