// Unicode data where HF `tokenizers` and the libraries we build on disagree by version
// (generated into unicode_extras.inc by gen_unicode_extras.py, which asks HF itself):
// HF's regex engines know newer Unicode than Debian's PCRE2, its normalizer older
// Unicode (9.0) than utf8proc, and Rust std's case/numeric data newer than utf8proc.
#pragma once

namespace vllm::unicode {

// Class members to add to PCRE2's (as "\x{A}-\x{B}..." class bodies).
const char* ExtraLetters();    // \p{L} (Oniguruma)
const char* ExtraNumbers();    // \p{N}
const char* ExtraMarks();      // \p{M}
const char* ExtraDecimal();    // \d
const char* ExtraOnigWord();   // Oniguruma \w beyond Alphabetic, M, Nd, Pc
const char* ExtraRustWord();   // Rust regex \w beyond the same

// Assigned after Unicode 9.0 (so opaque to HF's normalizer) and known to utf8proc.
bool AssignedAfterUnicode9(char32_t cp);
// Numeric (Nd/Nl/No) for Rust std but not for utf8proc.
bool ExtraNumeric(char32_t cp);
// Rust std's lowercase of cp where it differs from utf8proc_tolower, else 0.
char32_t LowercaseOverride(char32_t cp);

}  // namespace vllm::unicode
