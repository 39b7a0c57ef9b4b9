// A Tokenizer from a GGUF file's tokenizer.ggml.* metadata, built as the equivalent
// tokenizer.json pipeline (so encoding, special tokens, streaming decode and templates are the
// tested ones):
//   model "llama" (SentencePiece with scores, as Gemma and Llama 2 use; llama.cpp's SPM):
//     normalizer  Replace " " -> U+2581 (+ Prepend U+2581 when add_space_prefix)
//     model       BPE over the whole text with byte_fallback, whose merges are every split
//                 (a, b) of a vocabulary token t = a + b with a and b in the vocabulary,
//                 ranked by t's score (highest first): SPM's "merge the adjacent pair whose
//                 concatenation scores best" as BPE ranks
//     decoder     Replace U+2581 -> " ", ByteFallback, Fuse (+ Strip one leading space)
//   model "gpt2" (byte-level BPE with tokenizer.ggml.merges, as Llama 3 and Qwen use): no
//     normalizer (llama.cpp applies none), the split regex of tokenizer.ggml.pre (llama-bpe,
//     qwen2, ...) then ByteLevel, ignore_merges for Llama 3, ByteLevel decoder
//   control (type 3) and user-defined (type 4) tokens are added tokens, matched in the text
//   before the model runs (control ones only when special tokens are parsed);
//   BOS / EOS ids and add_bos / add_eos from the metadata; the chat template from
//   tokenizer.chat_template, or Gemma's published turn format for gemma files that have none.
#pragma once

#include <memory>

#include "io/gguf.h"
#include "tokenizer/tokenizer.h"

namespace vllm {

Result<std::unique_ptr<Tokenizer>> TokenizerFromGguf(const GgufFile& gguf);

// Gemma's chat template (google/gemma-3-*-it tokenizer_config.json), used when a gemma3 GGUF
// carries none.
extern const char kGemmaChatTemplate[];

}  // namespace vllm
