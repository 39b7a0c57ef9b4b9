// Streaming detokenization, one instance per request: Add(id) returns the text that token
// makes final, so that concatenating every Add() and the final Flush() equals
// Tokenizer::Decode(all generated ids) exactly (U+FFFD included).
//
// Two strategies, picked at construction:
//  * ByteLevel decoders (GPT-2 style: Qwen, Llama 3): a token is a byte string, so the
//    detokenizer appends its bytes and emits the longest prefix that ends on a complete
//    UTF-8 character; an unfinished character (say, the first 2 bytes of an emoji) is held
//    until a later token completes it. O(token bytes) per Add.
//  * Any other decoder (Metaspace/SentencePiece, ByteFallback, Strip, ...): the decoder
//    runs over a short window of recent tokens, and the new text is the decode of
//    window+token minus the decode of the window. The window is what keeps SentencePiece's
//    leading-space rule right: "▁world" loses its space only at the start of the text,
//    never in the middle. Text ending in U+FFFD (an incomplete byte run) is held back, and
//    so is a ByteFallback run of "<0xAB>" tokens until a non-byte token ends it: HF turns
//    a whole run with one bad byte into U+FFFDs, so earlier bytes are not final before.
//    Amortized O(1) per Add (the window restarts after each emission).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace vllm {

class Tokenizer;

class IncrementalDetokenizer {
 public:
  // `prompt_ids`: the request's prompt, so generated text continues it correctly (a
  // SentencePiece space, or a character whose first bytes ended the prompt). Only its
  // last few tokens are read. `tokenizer` must outlive this object.
  explicit IncrementalDetokenizer(const Tokenizer& tokenizer,
                                  std::span<const int32_t> prompt_ids = {},
                                  bool skip_special_tokens = false);

  // Text made final by `id` (often the token's text, "" while a character is incomplete).
  std::string Add(int32_t id);
  // Everything still held back, decoded as Decode would (at the end of a request).
  std::string Flush();

  size_t num_tokens() const { return num_tokens_; }

 private:
  std::string AddByteLevel(int32_t id);
  std::string AddWindowed(int32_t id);

  const Tokenizer& tokenizer_;
  bool skip_special_tokens_;
  bool byte_level_;
  size_t num_tokens_ = 0;

  // ByteLevel strategy: bytes of an unfinished UTF-8 character; the first
  // num_prompt_pending_ of them came from the prompt (not output unless completed).
  std::string pending_bytes_;
  size_t num_prompt_pending_ = 0;

  // Windowed strategy: token strings from prefix_offset_ on. Text of
  // window_[0, read_offset_) has been emitted already (or belongs to the prompt).
  std::vector<std::string> window_;
  size_t read_offset_ = 0;
};

}  // namespace vllm
