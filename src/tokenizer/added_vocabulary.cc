#include "tokenizer/added_vocabulary.h"

#include <utf8proc.h>

#include <nlohmann/json.hpp>

#include "tokenizer/normalizer.h"
#include "util/utf8.h"

namespace vllm {
namespace {

// Rust regex `\w` (Unicode): letters, marks, decimal and letter numbers, connectors.
bool IsWordChar(char32_t cp) {
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(cp))) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME: case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_PC:
      return true;
    default:
      return cp == 0x200C || cp == 0x200D;  // Join_Control
  }
}

size_t PrevCharStart(std::string_view s, size_t end) {
  size_t i = end - 1;
  while (i > 0 && (static_cast<uint8_t>(s[i]) & 0xC0) == 0x80) --i;
  return i;
}

bool EndsWithWord(std::string_view s) {
  if (s.empty()) return false;
  size_t i = PrevCharStart(s, s.size());
  return IsWordChar(utf8::DecodeAt(s, &i));
}

bool StartsWithWord(std::string_view s) {
  if (s.empty()) return false;
  size_t i = 0;
  return IsWordChar(utf8::DecodeAt(s, &i));
}

}  // namespace

void AddedVocabulary::Trie::Insert(std::string_view pattern, int32_t token_index) {
  if (pattern.empty()) return;
  first_byte[static_cast<uint8_t>(pattern[0])] = true;
  int32_t node = 0;
  for (char c : pattern) {
    const uint8_t b = static_cast<uint8_t>(c);
    int32_t child = -1;
    for (const auto& [byte, index] : nodes[node].children) {
      if (byte == b) child = index;
    }
    if (child < 0) {
      child = static_cast<int32_t>(nodes.size());
      nodes[node].children.emplace_back(b, child);
      nodes.emplace_back();
    }
    node = child;
  }
  // Two tokens with the same pattern: the first one added wins the match.
  if (nodes[node].token_index < 0) nodes[node].token_index = token_index;
}

std::pair<int32_t, size_t> AddedVocabulary::Trie::LongestAt(std::string_view text,
                                                            size_t pos) const {
  std::pair<int32_t, size_t> best{-1, 0};
  int32_t node = 0;
  for (size_t i = pos; i < text.size(); ++i) {
    const uint8_t b = static_cast<uint8_t>(text[i]);
    int32_t child = -1;
    for (const auto& [byte, index] : nodes[node].children) {
      if (byte == b) child = index;
    }
    if (child < 0) break;
    node = child;
    if (nodes[node].token_index >= 0) best = {nodes[node].token_index, i + 1 - pos};
  }
  return best;
}

Result<AddedVocabulary> AddedVocabulary::FromJson(const nlohmann::json& added_tokens,
                                                  const Normalizer* normalizer) {
  AddedVocabulary vocab;
  if (added_tokens.is_null()) return vocab;
  for (const auto& t : added_tokens) {
    AddedToken token;
    token.id = t.at("id").get<int32_t>();
    token.content = t.at("content").get<std::string>();
    token.special = t.value("special", false);
    token.lstrip = t.value("lstrip", false);
    token.rstrip = t.value("rstrip", false);
    token.normalized = t.value("normalized", !token.special);
    token.single_word = t.value("single_word", false);
    if (token.id < 0) return InvalidArgument("added token with negative id");
    if (!utf8::IsValid(token.content)) return InvalidArgument("added token is not UTF-8");
    const int32_t index = static_cast<int32_t>(vocab.tokens_.size());
    if (static_cast<size_t>(token.id) >= vocab.id_to_index_.size()) {
      vocab.id_to_index_.resize(token.id + 1, -1);
    }
    vocab.id_to_index_[token.id] = index;
    vocab.content_to_index_.emplace(token.content, index);
    token.text = token.content;
    if (token.normalized) {
      // Matched against normalized text, so the pattern is the normalized content.
      if (normalizer != nullptr) RETURN_IF_ERROR(normalizer->Normalize(&token.text));
      vocab.normalized_trie_.Insert(token.text, index);
      vocab.content_to_index_.emplace(token.text, index);
    } else {
      vocab.raw_trie_.Insert(token.content, index);
    }
    vocab.tokens_.push_back(std::move(token));
  }
  return vocab;
}

const AddedToken* AddedVocabulary::FindById(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= id_to_index_.size() || id_to_index_[id] < 0) {
    return nullptr;
  }
  return &tokens_[id_to_index_[id]];
}

std::optional<int32_t> AddedVocabulary::FindByContent(std::string_view content) const {
  auto it = content_to_index_.find(content);
  if (it == content_to_index_.end()) return std::nullopt;
  return tokens_[it->second].id;
}

void AddedVocabulary::Split(std::string_view text, bool normalized_pass, bool parse_special,
                            std::vector<Segment>* out) const {
  const Trie& trie = normalized_pass ? normalized_trie_ : raw_trie_;
  size_t start_offset = 0;  // end of the last emitted segment
  size_t pos = 0;           // where the next leftmost search begins
  while (pos < text.size()) {
    if (!trie.first_byte[static_cast<uint8_t>(text[pos])]) {
      ++pos;
      continue;
    }
    const auto [index, length] = trie.LongestAt(text, pos);
    if (index < 0) {
      ++pos;
      continue;
    }
    size_t start = pos;
    size_t stop = pos + length;
    pos = stop;  // the next search starts after this match even if it is rejected
    const AddedToken& token = tokens_[index];
    if (token.special && !parse_special) continue;
    if (token.single_word) {
      const bool start_space = start == 0 || !EndsWithWord(text.substr(0, start));
      const bool stop_space = stop == text.size() || !StartsWithWord(text.substr(stop));
      if (!start_space || !stop_space) continue;
    }
    if (token.lstrip) {
      size_t new_start = start;
      while (new_start > 0) {
        const size_t prev = PrevCharStart(text, new_start);
        size_t i = prev;
        if (!utf8::IsWhitespace(utf8::DecodeAt(text, &i))) break;
        new_start = prev;
      }
      start = std::max(new_start, start_offset);
    }
    if (token.rstrip) {
      while (stop < text.size()) {
        size_t i = stop;
        if (!utf8::IsWhitespace(utf8::DecodeAt(text, &i))) break;
        stop = i;
      }
      pos = std::max(pos, stop);
    }
    if (start_offset < start) out->push_back({start_offset, start, -1});
    out->push_back({start, stop, token.id});
    start_offset = stop;
  }
  if (start_offset < text.size()) out->push_back({start_offset, text.size(), -1});
}

}  // namespace vllm
