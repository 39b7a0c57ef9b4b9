#include "model/model_source.h"

#include <filesystem>

#include "model/presets.h"

namespace vllm {

namespace fs = std::filesystem;

Result<ModelSource> ResolveModelSource(const std::string& model, const std::string& load_format) {
  if (load_format != "auto" && load_format != "safetensors" && load_format != "dummy")
    return InvalidArgument("--load-format '" + load_format + "' (need auto, safetensors or dummy)");
  ModelSource src;
  src.name = model;
  src.dummy = load_format == "dummy";
  std::error_code ec;
  if (fs::is_directory(model, ec)) {
    src.dir = model;
    ASSIGN_OR_RETURN(src.config, LoadModelConfig(model));
    if (fs::exists(fs::path(model) / "tokenizer.json", ec)) src.tokenizer_dir = model;
    return src;
  }
  const Preset* preset = FindPreset(model);
  if (!preset) {
    if (fs::exists(model, ec)) return NotFound(model + ": not a directory (a model is a checkpoint directory)");
    return NotFound("model '" + model + "': no such directory, and not a preset (see `vllm-cpp models`)");
  }
  if (!src.dummy)
    return NotFound("model '" + model + "' is a preset, not a local directory, and this build cannot "
                    "download; pass a checkpoint directory, or --load-format dummy for random weights "
                    "with its exact shapes");
  ASSIGN_OR_RETURN(src.config, ParseModelConfig(preset->config_json, "", "preset " + model));
  auto tok = PresetTokenizerDir(*preset);
  if (tok.ok()) src.tokenizer_dir = tok.value();
  return src;
}

Result<std::unique_ptr<Model>> BuildModel(const ModelSource& src, const ModelOptions& opts,
                                          uint64_t dummy_seed) {
  if (src.dummy) return CreateDummyModel(src.config, opts, dummy_seed);
  return LoadModelFromDirectory(src.dir, opts);
}

}  // namespace vllm
