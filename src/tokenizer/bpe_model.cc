#include "tokenizer/bpe_model.h"

#include <nlohmann/json.hpp>
#include <mutex>
#include <queue>

#include "tokenizer/pre_tokenizer.h"
#include "util/utf8.h"

namespace vllm {
namespace {

// "<0xE9>": the byte_fallback token of a byte (Rust's "<{:#04X}>").
std::string ByteFallbackToken(uint8_t b) {
  static const char* kHex = "0123456789ABCDEF";
  std::string s = "<0x00>";
  s[3] = kHex[b >> 4];
  s[4] = kHex[b & 15];
  return s;
}

std::optional<std::string> OptionalString(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
  return j.at(key).get<std::string>();
}

}  // namespace

Result<std::unique_ptr<BpeModel>> BpeModel::FromJson(const nlohmann::json& model) {
  std::unique_ptr<BpeModel> bpe(new BpeModel());
  if (model.value("dropout", nlohmann::json()).is_number()) {
    return Unimplemented("BPE dropout (training-time only)");
  }
  int32_t max_id = -1;
  const auto& vocab = model.at("vocab");
  bpe->token_to_id_.reserve(vocab.size());
  for (const auto& [token, id_json] : vocab.items()) {
    const int32_t id = id_json.get<int32_t>();
    if (id < 0) return InvalidArgument("negative id for vocab token '" + token + "'");
    bpe->token_to_id_.emplace(token, id);
    max_id = std::max(max_id, id);
  }
  bpe->id_to_token_.resize(max_id + 1);
  bpe->has_id_.assign(max_id + 1, false);
  for (const auto& [token, id] : bpe->token_to_id_) {
    bpe->id_to_token_[id] = token;
    bpe->has_id_[id] = true;
  }

  bpe->continuing_subword_prefix_ = OptionalString(model, "continuing_subword_prefix");
  bpe->end_of_word_suffix_ = OptionalString(model, "end_of_word_suffix");
  bpe->byte_fallback_ = model.value("byte_fallback", false);
  bpe->fuse_unk_ = model.value("fuse_unk", false);
  bpe->ignore_merges_ = model.value("ignore_merges", false);
  if (auto unk = OptionalString(model, "unk_token")) {
    auto id = bpe->TokenToId(*unk);
    if (!id) return InvalidArgument("unk_token '" + *unk + "' is not in the vocab");
    bpe->unk_id_ = id;
  }

  // Merges: "a b" strings (older files) or ["a", "b"] pairs (newer files).
  const auto& merges = model.at("merges");
  const size_t prefix_len =
      bpe->continuing_subword_prefix_ ? bpe->continuing_subword_prefix_->size() : 0;
  bpe->merges_.Reserve(merges.size());
  int32_t rank = 0;
  for (const auto& merge : merges) {
    std::string a, b;
    if (merge.is_string()) {
      const std::string& line = merge.get_ref<const std::string&>();
      const size_t space = line.find(' ');
      if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos) {
        return InvalidArgument("merge '" + line + "' is not two tokens");
      }
      a = line.substr(0, space);
      b = line.substr(space + 1);
    } else if (merge.is_array() && merge.size() == 2) {
      a = merge[0].get<std::string>();
      b = merge[1].get<std::string>();
    } else {
      return InvalidArgument("merge #" + std::to_string(rank) + " is neither 'a b' nor [a, b]");
    }
    auto a_id = bpe->TokenToId(a);
    auto b_id = bpe->TokenToId(b);
    const std::string merged = a + (b.size() >= prefix_len ? b.substr(prefix_len) : b);
    auto new_id = bpe->TokenToId(merged);
    if (!a_id || !b_id || !new_id) {
      return InvalidArgument("merge '" + a + " " + b + "' uses a token missing from the vocab");
    }
    bpe->merges_.Insert(*a_id, *b_id, {rank, *new_id});
    ++rank;
  }

  const ByteLevelAlphabet& alphabet = GetByteLevelAlphabet();
  for (int b = 0; b < 256; ++b) {
    auto id = bpe->TokenToId(alphabet.byte_to_utf8[b]);
    bpe->byte_ids_[b] = id ? *id : -1;
  }
  return bpe;
}

std::optional<int32_t> BpeModel::TokenToId(std::string_view token) const {
  auto it = token_to_id_.find(token);
  if (it == token_to_id_.end()) return std::nullopt;
  return it->second;
}

const std::string* BpeModel::IdToToken(int32_t id) const {
  if (id < 0 || id >= vocab_size() || !has_id_[id]) return nullptr;
  return &id_to_token_[id];
}

void BpeModel::InitialSymbols(std::string_view word, bool raw_bytes,
                              std::vector<Symbol>* symbols) const {
  const ByteLevelAlphabet& alphabet = GetByteLevelAlphabet();
  auto add = [symbols](int32_t id, int32_t num_bytes) {
    const int32_t pos = static_cast<int32_t>(symbols->size());
    symbols->push_back({id, pos - 1, pos + 1, num_bytes});
  };
  // Fast path: byte-level words whose bytes all have vocab chars (always, for GPT-2-style
  // vocabularies) and no affixes.
  if (raw_bytes && !continuing_subword_prefix_ && !end_of_word_suffix_) {
    bool all_known = true;
    for (char c : word) all_known &= byte_ids_[static_cast<uint8_t>(c)] >= 0;
    if (all_known) {
      for (char c : word) add(byte_ids_[static_cast<uint8_t>(c)], 1);
      if (!symbols->empty()) symbols->back().next = -1;
      return;
    }
  }

  std::string mapped;
  if (raw_bytes) {
    for (char c : word) mapped += alphabet.byte_to_utf8[static_cast<uint8_t>(c)];
    word = mapped;
  }
  int32_t pending_unk_id = -1;  // an unk not yet emitted (fuse_unk may still grow it)
  int32_t pending_unk_bytes = 0;
  size_t i = 0;
  std::string piece;
  while (i < word.size()) {
    const size_t begin = i;
    utf8::DecodeAt(word, &i);
    const int32_t num_bytes = static_cast<int32_t>(i - begin);
    piece.clear();
    if (begin != 0 && continuing_subword_prefix_) piece += *continuing_subword_prefix_;
    piece.append(word.substr(begin, i - begin));
    if (i == word.size() && end_of_word_suffix_) piece += *end_of_word_suffix_;

    if (auto id = TokenToId(piece)) {
      if (pending_unk_id >= 0) add(pending_unk_id, pending_unk_bytes);
      pending_unk_id = -1;
      add(*id, num_bytes);
      continue;
    }
    if (byte_fallback_) {
      std::vector<int32_t> byte_ids;
      for (char c : piece) {
        auto id = TokenToId(ByteFallbackToken(static_cast<uint8_t>(c)));
        if (!id) break;
        byte_ids.push_back(*id);
      }
      if (byte_ids.size() == piece.size()) {
        // HF adds byte tokens without flushing a pending unk first; keep that order.
        for (int32_t id : byte_ids) add(id, 1);
        continue;
      }
    }
    if (unk_id_) {
      if (pending_unk_id >= 0 && fuse_unk_) {
        pending_unk_bytes += num_bytes;
      } else {
        if (pending_unk_id >= 0) add(pending_unk_id, pending_unk_bytes);
        pending_unk_id = *unk_id_;
        pending_unk_bytes = num_bytes;
      }
    }
    // No unk token: HF drops the character.
  }
  if (pending_unk_id >= 0) add(pending_unk_id, pending_unk_bytes);
  if (!symbols->empty()) symbols->back().next = -1;
}

void BpeModel::MergeAll(std::vector<Symbol>* symbols_ptr) const {
  std::vector<Symbol>& symbols = *symbols_ptr;
  struct Candidate {
    int32_t rank, pos, new_id;
    // std::priority_queue pops the largest: make the lowest (rank, pos) the largest.
    bool operator<(const Candidate& o) const {
      return rank != o.rank ? rank > o.rank : pos > o.pos;
    }
  };
  std::vector<Candidate> storage;
  storage.reserve(symbols.size());
  std::priority_queue<Candidate> queue(std::less<Candidate>(), std::move(storage));
  for (size_t k = 0; k + 1 < symbols.size(); ++k) {
    if (const MergeInfo* m = merges_.Find(symbols[k].id, symbols[k + 1].id)) {
      queue.push({m->rank, static_cast<int32_t>(k), m->new_id});
    }
  }
  while (!queue.empty()) {
    const Candidate top = queue.top();
    queue.pop();
    Symbol& left = symbols[top.pos];
    if (left.num_bytes == 0 || left.next < 0) continue;  // merged away, or now last
    const int32_t right_pos = left.next;
    const Symbol right = symbols[right_pos];
    // Stale entry: the pair at this position changed since it was queued. HF compares only
    // the resulting id; do the same so ties resolve identically.
    const MergeInfo* current = merges_.Find(left.id, right.id);
    if (current == nullptr || current->new_id != top.new_id) continue;
    left.id = top.new_id;
    left.num_bytes += right.num_bytes;
    left.next = right.next;
    symbols[right_pos].num_bytes = 0;
    if (right.next >= 0) symbols[right.next].prev = top.pos;
    if (left.prev >= 0) {
      if (const MergeInfo* m = merges_.Find(symbols[left.prev].id, left.id)) {
        queue.push({m->rank, left.prev, m->new_id});
      }
    }
    if (left.next >= 0) {
      if (const MergeInfo* m = merges_.Find(left.id, symbols[left.next].id)) {
        queue.push({m->rank, top.pos, m->new_id});
      }
    }
  }
}

void BpeModel::EncodeWord(std::string_view word, bool raw_bytes, std::vector<int32_t>* ids) const {
  if (word.empty()) return;
  const bool cacheable = word.size() <= kMaxCachedWordBytes;
  if (cacheable) {
    std::shared_lock<std::shared_mutex> lock(cache_mutex_);
    auto it = cache_.find(word);
    if (it != cache_.end()) {
      ids->insert(ids->end(), it->second.begin(), it->second.end());
      return;
    }
  }
  std::vector<int32_t> result;
  std::optional<int32_t> whole;
  if (ignore_merges_) {
    if (raw_bytes) {
      std::string mapped;
      const ByteLevelAlphabet& alphabet = GetByteLevelAlphabet();
      for (char c : word) mapped += alphabet.byte_to_utf8[static_cast<uint8_t>(c)];
      whole = TokenToId(mapped);
    } else {
      whole = TokenToId(word);
    }
  }
  if (whole) {
    result.push_back(*whole);
  } else {
    std::vector<Symbol> symbols;
    symbols.reserve(word.size());
    InitialSymbols(word, raw_bytes, &symbols);
    MergeAll(&symbols);
    for (const Symbol& s : symbols) {
      if (s.num_bytes != 0) result.push_back(s.id);
    }
  }
  ids->insert(ids->end(), result.begin(), result.end());
  if (cacheable) {
    std::unique_lock<std::shared_mutex> lock(cache_mutex_);
    if (cache_.size() < kMaxCacheEntries) cache_.emplace(std::string(word), std::move(result));
  }
}

}  // namespace vllm
