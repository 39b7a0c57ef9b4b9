// Decoders: turn the token strings of ids back into text (HF `tokenizers` decode_chain).
// Each stage maps a list of strings to a list of strings; the caller joins the result.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "util/status.h"

namespace vllm {

class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual void DecodeChain(std::vector<std::string>* tokens) const = 0;
};

// The bytes the ByteLevel decoder makes of one token: its chars mapped back through the
// GPT-2 alphabet, or the token's own UTF-8 when a char is outside the alphabet.
std::string ByteLevelTokenBytes(const std::string& token);

// null -> nullptr (the caller then joins tokens with " ", as HF does).
// Supported: ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip, Sequence.
Result<std::unique_ptr<Decoder>> MakeDecoder(const nlohmann::json& spec);

}  // namespace vllm
