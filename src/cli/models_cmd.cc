// `vllm-cpp models`: the presets, their architecture, and whether they run in this build.
// `vllm-cpp models --cached`: the hub models in the Hugging Face cache (size, revisions).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <ctime>

#include "cli/commands.h"
#include "io/hub/hub_cache.h"
#include "io/hub/hub_settings.h"
#include "io/hub/progress.h"
#include "model/model_config.h"
#include "model/presets.h"

namespace vllm::cli {

namespace {

void PrintPresets() {
  std::printf("%-48s %-11s %-10s %s\n", "PRESET", "ARCH", "QUANT", "STATUS");
  for (const Preset& p : Presets()) {
    auto cfg = ParseModelConfig(p.config_json, "", p.name);
    std::string arch = cfg.ok() ? cfg->model_type : "?";
    std::string quant = "float";
    if (cfg.ok() && cfg->quantization.defaults)
      quant = std::to_string(cfg->quantization.defaults->bits) + "bit/g" +
              std::to_string(cfg->quantization.defaults->group_size);
    std::string status = !cfg.ok()                       ? "bad config: " + cfg.status().message()
                         : IsArchitectureSupported(arch) ? "supported"
                                                         : "architecture not supported yet";
    std::printf("%-48s %-11s %-10s %s\n", p.name.c_str(), arch.c_str(), quant.c_str(),
                status.c_str());
  }
  std::printf(
      "\nPresets run with random weights: vllm-cpp generate PRESET --load-format dummy ...\n");
}

void PrintCached() {
  const hub::HubCache cache(hub::HubSettingsFromEnv().cache_dir);
  const auto repos = cache.List();
  std::printf("%-48s %10s %-19s %s\n", "MODEL", "SIZE", "MODIFIED", "REVISIONS");
  for (const hub::CachedRepo& r : repos) {
    // Revisions by name (refs) and by commit; a snapshot no ref points at is listed by hash.
    std::string revs;
    for (const auto& [rev, commit] : r.refs)
      revs += (revs.empty() ? "" : ", ") + rev + "=" + commit.substr(0, 12);
    for (const auto& s : r.snapshots) {
      bool named = false;
      for (const auto& [rev, commit] : r.refs) named = named || commit == s;
      if (!named) revs += (revs.empty() ? "" : ", ") + s.substr(0, 12);
    }
    char when[32] = "-";
    const std::time_t t = r.t_modified_unix;
    if (t > 0) std::strftime(when, sizeof(when), "%Y-%m-%d %H:%M", std::localtime(&t));
    std::printf("%-48s %10s %-19s %s\n", r.repo_id.c_str(), hub::FormatBytes(r.size_bytes).c_str(),
                when, revs.empty() ? "(none)" : revs.c_str());
  }
  std::printf("\n%zu model%s in %s\n", repos.size(), repos.size() == 1 ? "" : "s",
              cache.root().c_str());
}

}  // namespace

int RunModels(int argc, char** argv) {
  CLI::App app{
      "List the built-in presets, or with --cached the hub models in the Hugging Face cache",
      "vllm-cpp models"};
  bool cached = false;
  app.add_flag("--cached", cached,
               "The models in the Hugging Face cache (HF_HUB_CACHE): size, revisions");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (cached)
    PrintCached();
  else
    PrintPresets();
  return 0;
}

}  // namespace vllm::cli
