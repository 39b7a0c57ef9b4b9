// The tokenizer of a model path: a directory with tokenizer.json (HF), or a GGUF model (a
// .gguf file, a split's part, or a directory holding one and no tokenizer.json), whose
// tokenizer comes from its tokenizer.ggml.* metadata (gguf_tokenizer.h).
#pragma once

#include <memory>
#include <string>

#include "tokenizer/tokenizer.h"

namespace vllm {

Result<std::unique_ptr<Tokenizer>> LoadTokenizer(const std::string& path);

}  // namespace vllm
