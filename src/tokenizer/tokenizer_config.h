// tokenizer_config.json (+ chat_template.jinja, generation_config.json) as plain data:
// the special-token names and chat templates the model directory declares. Rendering the
// templates is the chat_template module's job; this only finds the strings.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "util/status.h"

namespace vllm {

struct TokenizerConfig {
  std::optional<std::string> bos_token;
  std::optional<std::string> eos_token;
  std::optional<std::string> pad_token;
  std::optional<std::string> unk_token;
  std::optional<bool> add_bos_token;
  std::optional<bool> add_eos_token;
  // The template used when a request names none ("" when the model has none).
  std::string chat_template;
  // Named templates (chat_template given as a list of {name, template}), "default" included.
  std::map<std::string, std::string> chat_templates;
  // eos_token_id from generation_config.json (an int or a list), e.g. Llama 3's <|eot_id|>.
  std::vector<int32_t> generation_eos_ids;
  // llama.cpp's detokenize clean-up (GGUF byte-level BPE files whose pre-tokenizer type asks for
  // it, e.g. Llama 3): Decode drops the space before ? ! . , the spaces around a lone ' and the
  // space before 's 'm 're 've. Not an HF setting (tokenizer.json files never set it).
  bool llama_cpp_clean_spaces = false;

  // Reads whatever of tokenizer_config.json, chat_template.jinja and generation_config.json
  // exist in `dir`; a missing file is not an error, a malformed one is.
  static Result<TokenizerConfig> FromDirectory(const std::string& dir);
};

}  // namespace vllm
