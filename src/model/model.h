// Model: the boundary between the runner and one architecture's forward pass.
//   Forward(BatchInputs, KvCacheTensors) -> logits [len(logits_indices), vocab]
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "model/model_config.h"
#include "runner/batch_inputs.h"
#include "runner/kv_cache_tensors.h"
#include "util/status.h"

namespace vllm {

struct ModelOptions {
  int64_t max_num_tokens = 2048;  // most tokens one Forward may carry (sizes the scratch)
  int num_threads = 0;            // 0: all hardware threads
};

class Model {
 public:
  virtual ~Model() = default;
  virtual const ModelConfig& config() const = 0;
  virtual int64_t max_num_tokens() const = 0;
  // Runs the batch; writes logits for in.logits_indices, row-major [n, vocab_size].
  // Preconditions: num_tokens <= max_num_tokens; every position < positions[t] of each
  // sequence is already in `kv` (written by an earlier Forward).
  virtual void Forward(const BatchInputs& in, KvCacheTensors& kv, float* logits) = 0;
  // Bytes of weights read by one full forward (the decode bandwidth floor).
  virtual size_t WeightBytes() const = 0;
  virtual KvCacheSpec MakeKvSpec(int64_t block_size, int64_t num_blocks, DType dtype) const = 0;
};

// Loads a checkpoint directory (config.json + safetensors).
Result<std::unique_ptr<Model>> LoadModelFromDirectory(const std::string& dir, const ModelOptions& opts);

// Random weights with the exact shapes and storage format (dense dtype or MLX quantization)
// of `config`, deterministic in `seed`, scaled so activations stay finite in every layer.
Result<std::unique_ptr<Model>> CreateDummyModel(const ModelConfig& config, const ModelOptions& opts,
                                                uint64_t seed);

}  // namespace vllm
