// GrammarVocab: the model's vocabulary as llguidance sees it (an LlgTokenizer): each token
// id's bytes, special tokens marked (0xFF prefix, so no grammar literal ever matches them),
// and the EOS ids a grammar may end on. Built once per served model (~0.1 s at 152k tokens)
// and shared, read-only, by every compile and matcher (llguidance allows that across threads).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "tokenizer/tokenizer.h"
#include "util/status.h"

struct LlgTokenizer;

namespace vllm {

class GrammarVocab {
 public:
  // vocab_size: the model's logits width (Qwen3: 151,936, more than the tokenizer's 151,669
  // ids; ids without a token get no bytes and are never allowed). eos_ids: non-empty.
  static Result<std::unique_ptr<GrammarVocab>> Create(const Tokenizer& tokenizer, int64_t vocab_size,
                                                      std::span<const int32_t> eos_ids);
  ~GrammarVocab();
  GrammarVocab(const GrammarVocab&) = delete;
  GrammarVocab& operator=(const GrammarVocab&) = delete;

  const LlgTokenizer* llg() const { return llg_; }
  int64_t vocab_size() const { return vocab_size_; }
  const std::vector<int32_t>& eos_ids() const { return eos_ids_; }

 private:
  GrammarVocab() = default;
  LlgTokenizer* llg_ = nullptr;
  int64_t vocab_size_ = 0;
  std::vector<int32_t> eos_ids_;
};

// The bytes a token id stands for in generated text: byte-level BPE tokens their raw bytes,
// SentencePiece-style ones with "▁" as a space and "<0xAB>" byte-fallback pieces as the byte,
// added tokens their content; special tokens 0xFF + their name. Empty for unknown ids.
std::string GrammarTokenBytes(const Tokenizer& tokenizer, int32_t id);

}  // namespace vllm
