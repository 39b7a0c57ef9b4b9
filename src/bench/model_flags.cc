#include "bench/model_flags.h"

namespace vllm {

void AddModelSourceFlags(CLI::App& app, ModelSourceOptions* o) {
  app.add_option(
         "--load-format", o->load_format,
         "auto | safetensors | dummy (random weights with the model's shapes; presets need it)")
      ->capture_default_str();
  app.add_option("--revision", o->revision,
                 "Hub branch, tag or commit of a hub MODEL (default: main, or ORG/NAME@REV)");
  app.add_option("--gguf-file", o->gguf_file,
                 "Which GGUF file of a hub repo (or ORG/NAME:QUANT, e.g. :Q4_K_M)");
  app.add_flag("--offline", o->offline,
               "Never contact the hub: use the Hugging Face cache only (= HF_HUB_OFFLINE=1)");
}

}  // namespace vllm
