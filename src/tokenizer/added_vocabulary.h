// Added tokens (tokenizer.json "added_tokens"): strings matched in the raw text before the
// model sees it, each becoming one id. Matching is leftmost-longest over all tokens, then
// single_word / lstrip / rstrip adjust or reject a match, exactly as HF `tokenizers` does.
// Tokens with normalized=false are matched in the original text; normalized=true tokens
// in the normalized text of the stretches between them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "tokenizer/string_map.h"
#include "util/status.h"

namespace vllm {

class Normalizer;

struct AddedToken {
  int32_t id = -1;
  std::string content;
  bool special = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = false;
  bool single_word = false;
  // The token's text as HF reports it (id_to_token, decode): for normalized tokens the
  // normalizer's output, e.g. NFD splits "é" into "e" + U+0301.
  std::string text;
};

class AddedVocabulary {
 public:
  // A stretch of the input: an added token (id >= 0) or plain text to tokenize (id == -1).
  struct Segment {
    size_t begin, end;  // byte offsets into the text passed to Split
    int32_t id;
  };

  static Result<AddedVocabulary> FromJson(const nlohmann::json& added_tokens,
                                          const Normalizer* normalizer);

  // Splits `text` into segments covering it. `normalized_pass` picks the token set
  // (normalized=true tokens, matched after normalization). With !parse_special, special
  // tokens are left as text (HF's encode_special_tokens).
  void Split(std::string_view text, bool normalized_pass, bool parse_special,
             std::vector<Segment>* out) const;

  const std::vector<AddedToken>& tokens() const { return tokens_; }
  const AddedToken* FindById(int32_t id) const;
  std::optional<int32_t> FindByContent(std::string_view content) const;

 private:
  // Byte trie; children kept as a small sorted list since nodes have few children.
  struct TrieNode {
    std::vector<std::pair<uint8_t, int32_t>> children;
    int32_t token_index = -1;  // index into tokens_ when a token ends here
  };
  struct Trie {
    std::vector<TrieNode> nodes{TrieNode{}};
    bool first_byte[256] = {};
    void Insert(std::string_view pattern, int32_t token_index);
    // Longest token starting at text[pos]: (token index, length) or (-1, 0).
    std::pair<int32_t, size_t> LongestAt(std::string_view text, size_t pos) const;
  };

  std::vector<AddedToken> tokens_;
  StringMap<int32_t> content_to_index_;
  std::vector<int32_t> id_to_index_;  // -1 where the id is not an added token
  Trie raw_trie_, normalized_trie_;
};

}  // namespace vllm
