// ModelConfig from a GGUF file's metadata (`<arch>.*` keys, tokenizer.ggml.* ids), for the
// architectures with a forward here: llama, qwen2, qwen3, gemma3. Fields the file lacks take
// llama.cpp's defaults for that architecture.
#pragma once

#include "io/gguf.h"
#include "model/model_config.h"

namespace vllm {

Result<ModelConfig> ModelConfigFromGguf(const GgufModel& gguf);

}  // namespace vllm
