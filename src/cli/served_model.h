// Builds what `serve` runs for one model: engine, tokenizer and chat template (a
// server::LoadedModel), from a resolved ModelSource and the serve flags' engine settings.
// The ModelRouter calls it when the model is first needed, and again after an unload.
#pragma once

#include <cstdint>
#include <string>

#include "model/model_source.h"
#include "server/model_router.h"

namespace vllm::cli {

struct EngineArgs {
  int32_t max_num_seqs = 256;
  int32_t max_num_batched_tokens = 2048;
  int64_t kv_cache_bytes = 0;
  int32_t block_size = 16;
  int64_t num_kv_blocks = 0;  // overrides kv_cache_bytes when > 0
  DType kv_dtype = DType::kBF16;
  bool enable_prefix_caching = true;
  int64_t max_model_len = 0;
  int threads = 0;
  std::string device = "auto";  // cpu | cuda | auto
  uint64_t seed = 0;            // derives the seeds of unseeded requests
  bool enforce_eager = false;   // no CUDA graphs for decode steps
  int grammar_threads = -1;     // threads computing grammar masks during the next step (-1 auto)
  double gpu_memory_utilization = 0;  // > 0: the KV cache takes what this fraction of the GPU leaves
  int64_t state_cache_bytes = int64_t{4} << 30;  // recurrent state slots (hybrid models)
  int64_t state_snapshot_bytes = 0;              // > 0: their prefix caching via state snapshots
  int tensor_parallel_size = 1;       // > 1: one shard per MPI rank (mpirun -np N)
  int data_parallel_size = 1;         // > 1: this many engines behind the endpoint (EngineGroup)
};

// Memory the model will take, for the budget: its weight files plus the KV cache. 0 for
// random weights (known once built).
int64_t EstimateModelBytes(const ModelSource& src, const EngineArgs& e);

Result<server::LoadedModel> LoadServedModel(const ModelSource& src, const EngineArgs& e);

}  // namespace vllm::cli
