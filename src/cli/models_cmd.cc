// `vllm-cpp models`: the presets, their architecture, and whether they run in this build.
#include <cstdio>

#include "cli/commands.h"
#include "model/model_config.h"
#include "model/presets.h"

namespace vllm::cli {

int RunModels(int /*argc*/, char** /*argv*/) {
  std::printf("%-48s %-11s %-10s %s\n", "PRESET", "ARCH", "QUANT", "STATUS");
  for (const Preset& p : Presets()) {
    auto cfg = ParseModelConfig(p.config_json, "", p.name);
    std::string arch = cfg.ok() ? cfg->model_type : "?";
    std::string quant = "float";
    if (cfg.ok() && cfg->quantization.defaults)
      quant = std::to_string(cfg->quantization.defaults->bits) + "bit/g" +
              std::to_string(cfg->quantization.defaults->group_size);
    std::string status = !cfg.ok() ? "bad config: " + cfg.status().message()
                         : IsArchitectureSupported(arch) ? "supported"
                                                         : "architecture not supported yet";
    std::printf("%-48s %-11s %-10s %s\n", p.name.c_str(), arch.c_str(), quant.c_str(), status.c_str());
  }
  std::printf("\nPresets run with random weights: vllm-cpp generate PRESET --load-format dummy ...\n");
  return 0;
}

}  // namespace vllm::cli
