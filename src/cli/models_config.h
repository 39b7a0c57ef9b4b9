// Which models one server serves: `serve [MODEL] [--model [NAME=]MODEL]...` and/or
// `--models-config FILE` (YAML, or JSON, which is YAML):
//
//   models:
//     - name: qwen                  # what requests put in "model" (default: the model string)
//       model: Qwen/Qwen3-0.6B      # directory, GGUF file or hub name ORG/NAME[@REV][:QUANT]
//       revision: main              # optional, also gguf_file, load_format, offline
//     - model: /models/llama-3.2-1b
//   idle_unload: 300                # seconds (= --idle-unload)
//   memory_budget: 6GiB             # (= --memory-budget)
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/model_source.h"

namespace vllm::cli {

struct ServedModelSpec {
  std::string name;   // served name
  std::string model;  // the MODEL argument
  ModelSourceOptions source;
};

struct ModelsConfig {
  std::vector<ServedModelSpec> models;
  std::optional<double> idle_unload_s;
  std::optional<std::string> memory_budget;
};

// "[NAME=]MODEL"; the other options come from `defaults` (the command line's).
Result<ServedModelSpec> ParseModelFlag(const std::string& text, const ModelSourceOptions& defaults);

// Fields it does not know are errors (a typo must not silently change what is served).
Result<ModelsConfig> LoadModelsConfig(const std::string& path, const ModelSourceOptions& defaults);

}  // namespace vllm::cli
