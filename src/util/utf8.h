// UTF-8 helpers shared by the tokenizer pipeline and the chat-template interpreter. The
// tokenizer must agree byte for byte with Hugging Face `tokenizers` (Rust), so lossy
// decoding follows Rust's
// String::from_utf8_lossy: each maximal invalid subpart becomes one U+FFFD.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vllm::utf8 {

// Length of a complete, valid UTF-8 sequence starting at s[i], or 0 when the bytes there do
// not start one (invalid lead, bad continuation, overlong, surrogate, > U+10FFFF, truncated).
size_t ValidSequenceLength(std::string_view s, size_t i);

bool IsValid(std::string_view s);

// Byte offset of the first invalid sequence, or s.size() when s is valid.
size_t FirstInvalid(std::string_view s);

// Decodes the code point at s[*i] and advances *i. Precondition: s is valid UTF-8.
char32_t DecodeAt(std::string_view s, size_t* i);

void Append(char32_t cp, std::string* out);

// Rust String::from_utf8_lossy semantics (maximal-subpart replacement).
std::string ToValidLossy(std::string_view bytes);

// Length of the longest prefix of `s` that holds only complete sequences, treating an
// incomplete-but-possibly-valid tail (a sequence cut short by the end of `s`) as pending.
// Used by the streaming detokenizer to hold back bytes until a character is complete.
size_t CompletePrefixLength(std::string_view s);

// Unicode White_Space (what Rust's char::is_whitespace tests).
bool IsWhitespace(char32_t cp);

}  // namespace vllm::utf8
