// The BPE model of tokenizer.json ("model": {"type": "BPE"}): vocab, ranked merges,
// ignore_merges, byte_fallback, unk_token/fuse_unk, continuing_subword_prefix and
// end_of_word_suffix, with results identical to HF `tokenizers`.
//
// Merging follows HF's Word::merge_all: a min-heap of candidate pairs ordered by
// (rank, position) over a doubly linked list of symbols, so a word of n symbols costs
// O(n log n). Whole-word results are cached, since natural text repeats its words.
#pragma once

#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "tokenizer/pair_map.h"
#include "tokenizer/string_map.h"
#include "util/status.h"

namespace vllm {

class BpeModel {
 public:
  static Result<std::unique_ptr<BpeModel>> FromJson(const nlohmann::json& model);

  // Appends the ids of one pre-tokenized word. With `raw_bytes`, `word` holds raw bytes
  // that stand for their GPT-2 byte-level characters (see ByteLevelAlphabet); otherwise it
  // is the word's text as the vocabulary spells it.
  void EncodeWord(std::string_view word, bool raw_bytes, std::vector<int32_t>* ids) const;

  std::optional<int32_t> TokenToId(std::string_view token) const;
  // nullptr when no token has this id.
  const std::string* IdToToken(int32_t id) const;
  // One past the largest id in the vocabulary.
  int32_t vocab_size() const { return static_cast<int32_t>(id_to_token_.size()); }

 private:
  struct Symbol {
    int32_t id;
    int32_t prev, next;  // linked list over positions; -1 at the ends
    int32_t num_bytes;   // 0 once merged into its left neighbour
  };

  BpeModel() = default;
  void InitialSymbols(std::string_view word, bool raw_bytes, std::vector<Symbol>* symbols) const;
  void MergeAll(std::vector<Symbol>* symbols) const;

  StringMap<int32_t> token_to_id_;
  std::vector<std::string> id_to_token_;
  std::vector<bool> has_id_;
  PairMap merges_;
  int32_t byte_ids_[256];  // id of each byte's byte-level char, -1 if absent
  std::optional<int32_t> unk_id_;
  std::optional<std::string> continuing_subword_prefix_;
  std::optional<std::string> end_of_word_suffix_;
  bool byte_fallback_ = false;
  bool fuse_unk_ = false;
  bool ignore_merges_ = false;

  // Word -> ids cache. Bounded: once full it stops growing (like HF's cache), so memory
  // stays flat under adversarial input. Lookups share the lock: server threads encoding
  // at once mostly hit.
  static constexpr size_t kMaxCacheEntries = 200000;
  static constexpr size_t kMaxCachedWordBytes = 256;
  mutable std::shared_mutex cache_mutex_;
  mutable StringMap<std::vector<int32_t>> cache_;
};

}  // namespace vllm
