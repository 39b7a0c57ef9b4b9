// UTF-8 <-> code points. Python strings index, slice and measure length in code points,
// so every string operation that counts characters goes through these.
#pragma once

#include <string>

namespace vllm::jinja {

// Invalid bytes decode as U+FFFD, one per byte, so malformed input never aborts a render
// (request strings arrive through a JSON parser, so they are valid in practice). Encoding
// is util/utf8.h's Append.
std::u32string DecodeUtf8(const std::string& s);
std::string EncodeUtf8(const std::u32string& s);
void AppendUtf8(char32_t cp, std::string* out);
size_t Utf8Length(const std::string& s);
bool IsAscii(const std::string& s);

// Python's str.isspace() for one code point (ASCII whitespace, \x1c-\x1f, and Unicode spaces).
bool IsPySpace(char32_t cp);

}  // namespace vllm::jinja
