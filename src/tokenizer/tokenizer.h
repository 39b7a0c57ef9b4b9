// Tokenizer: a Hugging Face tokenizer.json pipeline (added tokens -> normalizer ->
// pre-tokenizer -> BPE -> post-processor, and decoder for the way back) that produces the
// same ids and text as HF `tokenizers`, plus the special tokens and chat templates of
// tokenizer_config.json. Thread-safe: all methods are const and may run concurrently.
//
//   text -> added tokens (raw) -> stretches -> normalize -> added tokens (normalized)
//        -> pre-tokenize -> words -> BPE (cached per word) -> ids -> post-process -> ids
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "tokenizer/added_vocabulary.h"
#include "tokenizer/tokenizer_config.h"
#include "util/status.h"

namespace vllm {

class BpeModel;
class Decoder;
class Normalizer;
class PostProcessor;
class PreTokenizer;

class Tokenizer {
 public:
  // Reads dir/tokenizer.json and, when present, tokenizer_config.json,
  // chat_template.jinja and generation_config.json.
  static Result<std::unique_ptr<Tokenizer>> FromDirectory(const std::string& dir);
  // From tokenizer.json text alone (tests, tools); `config` supplies the rest.
  static Result<std::unique_ptr<Tokenizer>> FromJson(std::string_view tokenizer_json,
                                                     TokenizerConfig config = {});
  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // Invalid UTF-8 input -> InvalidArgument. add_special_tokens runs the post-processor
  // (e.g. BOS); parse_special=false treats special-token text as plain text.
  Result<std::vector<int32_t>> Encode(std::string_view text, bool add_special_tokens = true,
                                      bool parse_special = true) const;
  // Unknown ids are skipped (as HF does); invalid byte sequences decode to U+FFFD.
  std::string Decode(std::span<const int32_t> ids, bool skip_special_tokens = false) const;

  // The decoder stage alone over given token strings (used by the streaming detokenizer).
  std::string DecodeTokens(std::vector<std::string> tokens) const;
  // Appends the token string of `id` unless it is unknown or (skip_special && special).
  // Returns false when nothing was appended.
  bool AppendToken(int32_t id, bool skip_special_tokens, std::vector<std::string>* out) const;

  int32_t vocab_size() const;
  std::optional<int32_t> TokenToId(std::string_view token) const;
  std::string IdToToken(int32_t id) const;  // "" for unknown ids
  bool IsSpecial(int32_t id) const;

  std::optional<int32_t> bos_id() const { return bos_id_; }
  std::vector<int32_t> eos_ids() const { return eos_ids_; }
  std::string bos_token() const { return config_.bos_token.value_or(""); }
  std::string eos_token() const { return config_.eos_token.value_or(""); }
  std::optional<int32_t> pad_id() const { return pad_id_; }
  const TokenizerConfig& config() const { return config_; }

  // Default chat template ("" if none) and all named ones (rendering happens elsewhere).
  const std::string& chat_template() const { return config_.chat_template; }
  const std::map<std::string, std::string>& chat_templates() const {
    return config_.chat_templates;
  }

  // True when the decoder is only ByteLevel: then a token's text never depends on its
  // neighbours except through UTF-8 byte joins, which the detokenizer exploits.
  bool decoder_is_byte_level() const { return decoder_is_byte_level_; }
  // True when the decoder has a ByteFallback stage: a run of "<0xAB>" tokens decodes to
  // text only once the run ends (one invalid byte turns the whole run into U+FFFDs).
  bool decoder_has_byte_fallback() const { return decoder_has_byte_fallback_; }
  // ByteLevel decoders only: the raw bytes the decoder makes of token `id` (before UTF-8
  // repair), or nullptr for unknown ids. Precomputed at load so streaming is a lookup.
  const std::string* ByteLevelBytes(int32_t id) const {
    return id >= 0 && static_cast<size_t>(id) < token_bytes_.size() && token_known_[id]
               ? &token_bytes_[id]
               : nullptr;
  }

 private:
  Tokenizer();
  Status EncodeStretch(std::string_view text, bool at_input_start, bool parse_special,
                       std::vector<int32_t>* ids) const;
  Status EncodeWords(std::string text, bool at_input_start, std::vector<int32_t>* ids) const;

  std::unique_ptr<Normalizer> normalizer_;
  std::unique_ptr<PreTokenizer> pre_tokenizer_;
  std::unique_ptr<BpeModel> model_;
  std::unique_ptr<PostProcessor> post_processor_;
  std::unique_ptr<Decoder> decoder_;
  AddedVocabulary added_;
  bool has_normalized_added_tokens_ = false;
  bool byte_level_tail_ = false;  // BPE maps raw bytes itself (see MakePreTokenizer)
  bool decoder_is_byte_level_ = false;
  bool decoder_has_byte_fallback_ = false;
  TokenizerConfig config_;
  std::optional<int32_t> bos_id_, pad_id_;
  std::vector<int32_t> eos_ids_;
  std::vector<std::string> token_bytes_;  // see ByteLevelBytes
  std::vector<bool> token_known_;
};

}  // namespace vllm
