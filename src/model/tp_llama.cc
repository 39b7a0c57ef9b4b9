#include "model/tp_llama.h"

#include "dist/tp_ops.h"
#include "model/llama.h"
#include "model/tp_shard_weights.h"
#include "util/logging.h"

namespace vllm {

Result<std::unique_ptr<Model>> BindTensorParallelLlama(WeightSource& source, const ModelConfig& full,
                                                       Communicator& comm, std::unique_ptr<Backend> backend,
                                                       WeightArena& arena, int64_t max_num_tokens) {
  if (backend->device() != Device::kCpu)
    return Unimplemented("tensor parallelism runs on the CPU backend over MPI only (the NCCL path is not built)");
  if (full.num_experts > 0) RETURN_IF_ERROR(backend->SupportsMoe());
  const ShardSpec shard{.rank = comm.rank(), .world_size = comm.world_size()};
  ASSIGN_OR_RETURN(ModelConfig local, ShardConfig(full, shard));
  RETURN_IF_ERROR(backend->SupportsAttention(local.num_attention_heads, local.num_key_value_heads, local.head_dim));
  ShardingWeightSource sharded(source, full, shard, arena);
  ASSIGN_OR_RETURN(LlamaWeights w, BindLlamaWeights(sharded, local));
  const bool vocab_parallel = full.vocab_size % shard.world_size == 0;
  if (vocab_parallel) {
    w.lm_head = ShardOutputProjection(w.lm_head ? *w.lm_head : w.embed_tokens, shard);
  } else if (shard.rank == 0) {
    LOG(WARNING) << "vocabulary " << full.vocab_size << " does not split over " << shard.world_size
                 << " ranks: every rank computes the whole output projection";
  }
  if (shard.rank == 0)
    LOG(INFO) << "tensor parallel: " << shard.world_size << " ranks, each " << local.num_attention_heads
              << " query heads, " << local.num_key_value_heads << " KV heads"
              << (full.num_key_value_heads < shard.world_size ? " (replicated)" : "")
              << (vocab_parallel ? ", vocabulary-parallel output projection" : "");
  auto model = std::make_unique<LlamaModel>(std::move(local), std::move(backend), std::move(arena), std::move(w),
                                            max_num_tokens);
  model->SetTensorParallel(std::make_shared<TensorParallelOps>(comm, vocab_parallel));
  return std::unique_ptr<Model>(std::move(model));
}

}  // namespace vllm
