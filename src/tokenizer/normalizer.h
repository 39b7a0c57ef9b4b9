// Normalizers: the first pipeline stage, applied to each stretch of text between added
// tokens (HF `tokenizers` normalizes those stretches independently, so e.g. Prepend adds
// its prefix once per stretch). Offsets are not tracked: this tokenizer only emits ids.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "util/status.h"

namespace vllm {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  // Precondition: *text is valid UTF-8; it stays valid.
  virtual Status Normalize(std::string* text) const = 0;
};

// Builds the normalizer a tokenizer.json "normalizer" object describes. null -> nullptr.
// Supported: NFC, NFD, NFKC, NFKD, Lowercase, Prepend, Replace, Strip, Sequence.
Result<std::unique_ptr<Normalizer>> MakeNormalizer(const nlohmann::json& spec);

}  // namespace vllm
