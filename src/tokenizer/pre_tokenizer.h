// Pre-tokenizers: split normalized text into words that the model encodes separately.
// Each stage maps a list of pieces to a finer list (HF `tokenizers` semantics, including
// the split behaviours Isolated/Removed/MergedWith*/Contiguous and `invert`).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "util/status.h"

namespace vllm {

struct PreToken {
  std::string text;
  // Piece begins at offset 0 of the original input (Metaspace prepend_scheme "first").
  bool at_input_start = false;
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Replaces *pieces with the pieces this stage produces; drops empty pieces.
  virtual Status PreTokenize(std::vector<PreToken>* pieces) const = 0;
};

// The GPT-2 byte <-> char table ByteLevel uses so that any byte string becomes printable
// vocabulary text: printable Latin-1 bytes map to themselves, the rest to U+0100.. in order.
struct ByteLevelAlphabet {
  ByteLevelAlphabet();
  std::string byte_to_utf8[256];  // UTF-8 of the char each byte maps to
  int16_t CharToByte(char32_t cp) const {
    return cp < 512 ? char_to_byte[cp] : static_cast<int16_t>(-1);
  }
  int16_t char_to_byte[512];  // -1 where the char is not in the alphabet
};
const ByteLevelAlphabet& GetByteLevelAlphabet();

// Builds the pre-tokenizer a tokenizer.json "pre_tokenizer" object describes (null ->
// nullptr). When `defer_byte_level_tail` is set and the chain ends in ByteLevel, that last
// ByteLevel stage leaves bytes unmapped and *byte_level_tail is set: the BPE model then
// maps raw bytes itself, which saves building the mapped string per word.
// Supported: Split, ByteLevel, Metaspace, Digits, Whitespace, WhitespaceSplit, Sequence.
Result<std::unique_ptr<PreTokenizer>> MakePreTokenizer(const nlohmann::json& spec,
                                                       bool defer_byte_level_tail,
                                                       bool* byte_level_tail);

}  // namespace vllm
