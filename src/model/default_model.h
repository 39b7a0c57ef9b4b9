// The model `vllm-cpp serve` runs when none is named: Google's Gemma 3 270M (base), GGUF
// Q4_K_M, which scripts/setup.sh installs into deps/gemma3/ (sha256-checked) with the Gemma
// terms beside it. The random-weight presets stay for benchmarks (--load-format dummy).
#pragma once

#include <string>

#include "util/status.h"

namespace vllm {

struct DefaultModel {
  std::string name;     // served model name
  std::string path;     // the .gguf file
  std::string terms;    // the license file shipped beside it
  std::string license;  // one line for the start-up log
};

// NotFound (saying how to install it) when deps/gemma3 lacks the file.
Result<DefaultModel> FindDefaultModel();

}  // namespace vllm
