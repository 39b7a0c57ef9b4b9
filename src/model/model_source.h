// Turns the MODEL argument of every command into a config, a weight source and a tokenizer.
// A model is any of:
//   - a checkpoint directory (config.json, *.safetensors, tokenizer.json);
//   - a GGUF file (found and named; loading it is the GGUF loader's job);
//   - a hub name ORG/NAME[@REVISION][:QUANT]: downloaded once into the Hugging Face cache
//     (src/io/hub/), or found there offline;
//   - a preset name (shipped config + npm tokenizer) with --load-format dummy.
#pragma once

#include <memory>
#include <string>

#include "model/model.h"

namespace vllm {

struct ModelSourceOptions {
  // "auto" (real weights), "safetensors", or "dummy" (random weights with the config's shapes:
  // a directory, a preset, or a hub model already in the cache).
  std::string load_format = "auto";
  std::string revision;   // --revision: overrides ORG/NAME@REVISION
  std::string gguf_file;  // --gguf-file: which GGUF of a hub repo
  bool offline = false;   // --offline: like HF_HUB_OFFLINE=1, the cache only
};

struct ModelSource {
  std::string name;           // as given by the user
  std::string dir;            // checkpoint directory ("" for a preset)
  std::string gguf;           // the GGUF file (first part of a split) when the model is one
  std::string tokenizer_dir;  // directory with tokenizer.json, or the GGUF file ("" when none)
  ModelConfig config;
  bool dummy = false;    // random weights with the config's shapes
  std::string hub_repo;  // ORG/NAME when it came from the hub
  std::string hub_commit;
};

Result<ModelSource> ResolveModelSource(const std::string& model, const ModelSourceOptions& opts);
inline Result<ModelSource> ResolveModelSource(const std::string& model,
                                              const std::string& load_format) {
  return ResolveModelSource(model, ModelSourceOptions{.load_format = load_format});
}

// The directory holding tokenizer.json for the tokenizer commands: a directory, a preset
// (its npm tokenizer), or a hub name (only config and tokenizer files are fetched).
Result<std::string> ResolveTokenizerSource(const std::string& model,
                                           const ModelSourceOptions& opts);

Result<std::unique_ptr<Model>> BuildModel(const ModelSource& src, const ModelOptions& opts,
                                          uint64_t dummy_seed = 0);

}  // namespace vllm
