#include "model/model_source.h"

#include <filesystem>

#include "io/gguf.h"
#include "io/hub/snapshot.h"
#include "model/gguf_config.h"
#include "model/presets.h"

namespace vllm {

namespace fs = std::filesystem;

namespace {

bool IsGgufPath(const std::string& p) {
  return p.size() > 5 &&
         (p.compare(p.size() - 5, 5, ".gguf") == 0 || p.compare(p.size() - 5, 5, ".GGUF") == 0);
}

// A GGUF model: its config from the metadata (the weights load in BuildModel).
Status FillFromGguf(const std::string& path, ModelSource* src) {
  ASSIGN_OR_RETURN(GgufModel gguf, GgufModel::Open(path));
  ASSIGN_OR_RETURN(src->config, ModelConfigFromGguf(gguf));
  src->gguf = gguf.path();
  src->dir = fs::path(gguf.path()).parent_path().string();
  // The tokenizer comes from the metadata (LoadTokenizer), when the file has one.
  if (gguf.first().Find("tokenizer.ggml.model")) src->tokenizer_dir = gguf.path();
  return Status::Ok();
}

// A directory with no config.json but GGUF file(s).
bool IsGgufDirectory(const std::string& dir) {
  std::error_code ec;
  return !fs::exists(fs::path(dir) / "config.json", ec) && FindGgufFile(dir).ok();
}

// The hub half: the cache (and, unless offline, the network) for a hub name.
Result<hub::Snapshot> FromHub(const std::string& model, const ModelSourceOptions& opts,
                              hub::FileSet set, bool cache_only) {
  ASSIGN_OR_RETURN(hub::HubRef ref, hub::ParseHubRef(model));
  if (!opts.revision.empty()) ref.revision = opts.revision;
  hub::HubSettings settings = hub::HubSettingsFromEnv();
  settings.offline = settings.offline || opts.offline;
  const hub::SnapshotRequest req{
      .ref = ref,
      .select = {.set = set, .gguf_file = opts.gguf_file, .gguf_quant = ref.gguf_quant}};
  return cache_only ? hub::FindCachedSnapshot(settings, req) : hub::FetchSnapshot(settings, req);
}

Status FillFromDirectory(const std::string& dir, ModelSource* src) {
  src->dir = dir;
  ASSIGN_OR_RETURN(src->config, LoadModelConfig(dir));
  std::error_code ec;
  if (fs::exists(fs::path(dir) / "tokenizer.json", ec)) src->tokenizer_dir = dir;
  return Status::Ok();
}

}  // namespace

Result<ModelSource> ResolveModelSource(const std::string& model, const ModelSourceOptions& opts) {
  const std::string& lf = opts.load_format;
  if (lf != "auto" && lf != "safetensors" && lf != "dummy")
    return InvalidArgument("--load-format '" + lf + "' (need auto, safetensors or dummy)");
  ModelSource src;
  src.name = model;
  src.dummy = lf == "dummy";
  std::error_code ec;
  if (fs::is_directory(model, ec)) {
    if (IsGgufDirectory(model)) {
      RETURN_IF_ERROR(FillFromGguf(model, &src));
      return src;
    }
    RETURN_IF_ERROR(FillFromDirectory(model, &src));
    return src;
  }
  if (fs::exists(model, ec)) {
    if (IsGgufPath(model)) {
      RETURN_IF_ERROR(FillFromGguf(model, &src));
      return src;
    }
    return NotFound(model +
                    ": not a directory or a GGUF file (a model is a checkpoint directory, a GGUF "
                    "file or a hub name)");
  }
  const Preset* preset = FindPreset(model);
  if (preset && src.dummy) {
    ASSIGN_OR_RETURN(src.config, ParseModelConfig(preset->config_json, "", "preset " + model));
    auto tok = PresetTokenizerDir(*preset);
    if (tok.ok()) src.tokenizer_dir = tok.value();
    return src;
  }
  if (!hub::LooksLikeHubName(model))
    return NotFound("model '" + model +
                    "': no such directory or file, not a preset (see `vllm-cpp models`), and not a "
                    "hub name (ORG/NAME)");
  // Random weights need only a config: from the cache, never a download of the weights.
  auto snap = FromHub(model, opts, src.dummy ? hub::FileSet::kTokenizer : hub::FileSet::kCheckpoint,
                      src.dummy);
  if (!snap.ok()) {
    const std::string what =
        src.dummy ? "not a preset (see `vllm-cpp models`); as a hub name: "
        : preset  ? "a preset (random weights with --load-format dummy); from the hub: "
                  : "not a preset; from the hub: ";
    return Status(snap.status().code(), "model '" + model + "' is not a local directory or file; " +
                                            what + snap.status().message());
  }
  if (!snap->gguf.empty() && !src.dummy) {
    RETURN_IF_ERROR(FillFromGguf(snap->gguf, &src));
    src.hub_repo = hub::ParseHubRef(model)->repo_id;
    src.hub_commit = snap->commit;
    return src;
  }
  RETURN_IF_ERROR(FillFromDirectory(snap->dir, &src));
  src.hub_repo = hub::ParseHubRef(model)->repo_id;
  src.hub_commit = snap->commit;
  return src;
}

Result<std::string> ResolveTokenizerSource(const std::string& model,
                                           const ModelSourceOptions& opts) {
  std::error_code ec;
  if (fs::is_directory(model, ec)) return model;
  if (IsGgufPath(model) && fs::exists(model, ec)) return model;
  if (const Preset* p = FindPreset(model); p && !fs::exists(model, ec)) {
    if (auto dir = PresetTokenizerDir(*p); dir.ok()) return dir;
  }
  if (!hub::LooksLikeHubName(model) || fs::exists(model, ec))
    return NotFound("'" + model +
                    "' is neither a directory, a preset (see `vllm-cpp models`) nor a hub name");
  ASSIGN_OR_RETURN(hub::Snapshot snap, FromHub(model, opts, hub::FileSet::kTokenizer, false));
  if (!fs::exists(fs::path(snap.dir) / "tokenizer.json", ec))
    return NotFound("hub model '" + model + "' has no tokenizer.json");
  return snap.dir;
}

Result<std::unique_ptr<Model>> BuildModel(const ModelSource& src, const ModelOptions& opts,
                                          uint64_t dummy_seed) {
  if (src.dummy) return CreateDummyModel(src.config, opts, dummy_seed);
  if (!src.gguf.empty()) return LoadModelFromGguf(src.gguf, opts);
  return LoadModelFromDirectory(src.dir, opts);
}

}  // namespace vllm
