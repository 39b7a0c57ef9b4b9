// Model: the boundary between the runner and one architecture's forward pass.
//   Forward(BatchView, KV layers, state) -> logits [batch.num_logits, vocab], on the backend's device
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "kernels/backend.h"
#include "kernels/batch_view.h"
#include "kernels/kv_layer.h"
#include "model/cache_spec.h"
#include "model/model_config.h"
#include "util/status.h"

namespace vllm {

class Communicator;

struct ModelOptions {
  int64_t max_num_tokens = 2048;  // most tokens one Forward may carry (sizes the scratch)
  int num_threads = 0;            // host pool; 0: one per physical core
  Device device = Device::kCpu;
  // Tensor parallelism: load this process's shard and sum/gather through it (src/dist/).
  Communicator* tp_comm = nullptr;
};

// Per-sequence recurrent state of the cache's state group, as the model sees it: layer i's
// slot s starts at layers[i] + s * spec.bytes_per_slot. Empty for attention-only models.
struct StateLayers {
  std::span<void* const> layers;
};

class Model {
 public:
  virtual ~Model() = default;
  virtual const ModelConfig& config() const = 0;
  virtual int64_t max_num_tokens() const = 0;
  virtual Backend& backend() = 0;
  // Runs the batch (staged for this backend) and writes logits for batch.logits_indices,
  // row-major [batch.num_logits, vocab_size], into device memory.
  // Preconditions: num_tokens <= max_num_tokens; every position < positions[t] of each
  // sequence is already in `kv` (written by an earlier Forward); kv has one entry per
  // attention layer.
  virtual void Forward(const BatchView& batch, std::span<const KvLayer> kv, StateLayers state,
                       float* logits) = 0;
  // Bytes of weights read by one full forward (the decode bandwidth floor).
  // The final-normed hidden states of the last Forward's logits rows, [num_logits, hidden] f32
  // on the backend's device (what the output projection read): pooling for embeddings.
  // Valid until the next Forward; nullptr when the model keeps none.
  virtual const float* LastHidden() const { return nullptr; }
  virtual size_t WeightBytes() const = 0;
  virtual KvCacheSpec MakeKvSpec(int64_t block_size, int64_t num_blocks, DType dtype) const = 0;
  // The per-sequence state group (none for attention-only models).
  virtual StateSpec state_spec() const { return {}; }
};

// Loads a checkpoint directory (config.json + safetensors).
Result<std::unique_ptr<Model>> LoadModelFromDirectory(const std::string& dir, const ModelOptions& opts);

// Loads a GGUF model (a .gguf file, a split's part, or a directory holding one): the config
// from its metadata, the weights in their stored formats.
Result<std::unique_ptr<Model>> LoadModelFromGguf(const std::string& path, const ModelOptions& opts);

// Random weights with the exact shapes and storage format (dense dtype or MLX quantization)
// of `config`, deterministic in `seed`, scaled so activations stay finite in every layer.
Result<std::unique_ptr<Model>> CreateDummyModel(const ModelConfig& config, const ModelOptions& opts,
                                                uint64_t seed);

// As CreateDummyModel, on a backend the caller made (tests run the same weights on the
// reference backend as an oracle).
Result<std::unique_ptr<Model>> CreateDummyModelOn(std::unique_ptr<Backend> backend, const ModelConfig& config,
                                                  int64_t max_num_tokens, uint64_t seed);

}  // namespace vllm
