#include "tokenizer/incremental_detokenizer.h"

#include "tokenizer/decoder.h"
#include "tokenizer/tokenizer.h"
#include "util/utf8.h"

namespace vllm {
namespace {

// How many prompt tokens seed the window: enough to cover one character split across
// tokens (4 bytes) plus the token before it, as vLLM does.
constexpr size_t kPromptContextTokens = 5;

constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";

// "<0xAB>": a byte_fallback token.
bool IsByteToken(const std::string& t) {
  return t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>';
}

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(),
                                                suffix) == 0;
}

}  // namespace

IncrementalDetokenizer::IncrementalDetokenizer(const Tokenizer& tokenizer,
                                               std::span<const int32_t> prompt_ids,
                                               bool skip_special_tokens)
    : tokenizer_(tokenizer),
      skip_special_tokens_(skip_special_tokens),
      byte_level_(tokenizer.decoder_is_byte_level()) {
  if (prompt_ids.empty()) return;
  const size_t first = prompt_ids.size() > kPromptContextTokens
                           ? prompt_ids.size() - kPromptContextTokens
                           : 0;
  std::vector<std::string> tail;
  for (size_t k = first; k < prompt_ids.size(); ++k) {
    tokenizer_.AppendToken(prompt_ids[k], skip_special_tokens_, &tail);
  }
  if (byte_level_) {
    // Keep only the prompt's unfinished character, if any; it completes in the output.
    std::string bytes;
    for (const std::string& t : tail) bytes += ByteLevelTokenBytes(t);
    pending_bytes_ = bytes.substr(utf8::CompletePrefixLength(bytes));
    num_prompt_pending_ = pending_bytes_.size();
  } else {
    window_ = std::move(tail);
    read_offset_ = window_.size();
  }
}

std::string IncrementalDetokenizer::Add(int32_t id) {
  ++num_tokens_;
  return byte_level_ ? AddByteLevel(id) : AddWindowed(id);
}

std::string IncrementalDetokenizer::AddByteLevel(int32_t id) {
  const std::string* bytes = tokenizer_.ByteLevelBytes(id);
  if (bytes == nullptr || (skip_special_tokens_ && tokenizer_.IsSpecial(id))) return "";
  // Fast path: nothing pending and the token is whole characters (most tokens).
  if (pending_bytes_.empty() && utf8::CompletePrefixLength(*bytes) == bytes->size() &&
      utf8::IsValid(*bytes)) {
    return *bytes;
  }
  pending_bytes_ += *bytes;
  const size_t complete = utf8::CompletePrefixLength(pending_bytes_);
  if (complete == 0) return "";
  // Invalid bytes inside the complete part become U+FFFD here exactly as in Decode: the
  // cut is at a character start, where Decode's left-to-right scan also restarts.
  std::string text = utf8::ToValidLossy(std::string_view(pending_bytes_).substr(0, complete));
  pending_bytes_.erase(0, complete);
  num_prompt_pending_ = 0;  // the prompt's bytes were the start of what was just emitted
  return text;
}

std::string IncrementalDetokenizer::AddWindowed(int32_t id) {
  if (!tokenizer_.AppendToken(id, skip_special_tokens_, &window_)) return "";
  const std::vector<std::string> prefix(window_.begin(), window_.begin() + read_offset_);
  const std::string prefix_text = read_offset_ == 0 ? "" : tokenizer_.DecodeTokens(prefix);
  const std::string full_text = tokenizer_.DecodeTokens(window_);
  // Hold back while the text ends in an unfinished byte run (decoded as U+FFFD) or has
  // not grown (e.g. the decoder dropped a lone "▁").
  if (full_text.size() <= prefix_text.size() || EndsWith(full_text, kReplacementChar)) {
    return "";
  }
  // A byte-fallback run may still be invalidated by its next byte token, which turns the
  // whole run (already-valid bytes included) into U+FFFDs: wait for the run to end.
  if (tokenizer_.decoder_has_byte_fallback() && IsByteToken(window_.back())) return "";
  std::string delta = full_text.substr(prefix_text.size());
  // The emitted tokens become the new window's prefix: they give the next token its
  // context (leading space) while keeping the decoded window short.
  window_.erase(window_.begin(), window_.begin() + read_offset_);
  read_offset_ = window_.size();
  return delta;
}

std::string IncrementalDetokenizer::Flush() {
  if (byte_level_) {
    // Only the prompt's unfinished character is left: nothing was generated into it.
    std::string text = pending_bytes_.size() == num_prompt_pending_
                           ? std::string()
                           : utf8::ToValidLossy(pending_bytes_);
    pending_bytes_.clear();
    num_prompt_pending_ = 0;
    return text;
  }
  if (read_offset_ == window_.size()) return "";
  const std::vector<std::string> prefix(window_.begin(), window_.begin() + read_offset_);
  const std::string prefix_text = read_offset_ == 0 ? "" : tokenizer_.DecodeTokens(prefix);
  const std::string full_text = tokenizer_.DecodeTokens(window_);
  window_.erase(window_.begin(), window_.begin() + read_offset_);
  read_offset_ = window_.size();
  return full_text.size() > prefix_text.size() ? full_text.substr(prefix_text.size()) : "";
}

}  // namespace vllm
