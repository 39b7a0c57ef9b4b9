// The flags with which every command that takes a MODEL (directory, GGUF file, preset or
// hub name) says how to find it. Declared once here so they read the same everywhere; in
// bench/ because both the bench commands and cli/ (above it) use them.
#pragma once

#include <CLI/CLI.hpp>

#include "model/model_source.h"

namespace vllm {

void AddModelSourceFlags(CLI::App& app, ModelSourceOptions* o);

}  // namespace vllm
