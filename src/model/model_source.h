// Turns the MODEL argument of every command into a config, a weight source and a tokenizer:
// a checkpoint directory, or a preset name (shipped config + npm tokenizer) with
// --load-format dummy. No download: this build never reaches a model hub.
#pragma once

#include <memory>
#include <string>

#include "model/model.h"

namespace vllm {

struct ModelSource {
  std::string name;           // as given by the user
  std::string dir;            // checkpoint directory ("" for a preset)
  std::string tokenizer_dir;  // directory with tokenizer.json ("" when none)
  ModelConfig config;
  bool dummy = false;         // random weights with the config's shapes
};

// load_format: "auto" (directory: real weights; preset: error pointing at dummy),
// "safetensors", or "dummy".
Result<ModelSource> ResolveModelSource(const std::string& model, const std::string& load_format);

Result<std::unique_ptr<Model>> BuildModel(const ModelSource& src, const ModelOptions& opts,
                                          uint64_t dummy_seed = 0);

}  // namespace vllm
