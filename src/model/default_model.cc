#include "model/default_model.h"

#include <filesystem>

#include "model/presets.h"

namespace vllm {

Result<DefaultModel> FindDefaultModel() {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(DepsDirectory()) / "gemma3";
  DefaultModel m{.name = "gemma-3-270m",
                 .path = (dir / "gemma-3-270m-q4_k_m.gguf").string(),
                 .terms = (dir / "GEMMA_TERMS.html").string(),
                 .license = "Gemma is provided under and subject to the Gemma Terms of Use found at "
                            "ai.google.dev/gemma/terms"};
  std::error_code ec;
  if (!fs::is_regular_file(m.path, ec))
    return NotFound(m.path + " is missing: scripts/setup.sh installs the default model (Gemma 3 270M); or name a "
                             "model, or serve random weights with --load-format dummy");
  return m;
}

}  // namespace vllm
