#include "tokenizer/unicode_tables.h"

#include <cstddef>
#include <iterator>

namespace vllm::unicode {
namespace {

#include "tokenizer/unicode_extras.inc"

// Index of the first [lo, hi] row with hi >= cp in a table sorted by code point.
template <size_t N>
size_t LowerBound(const char32_t (&table)[N][2], char32_t cp) {
  size_t lo = 0, hi = N;
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (table[mid][1] < cp) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

template <size_t N>
bool InRanges(const char32_t (&table)[N][2], char32_t cp) {
  if (cp < table[0][0] || cp > table[N - 1][1]) return false;
  const size_t k = LowerBound(table, cp);
  return k < N && table[k][0] <= cp;
}

}  // namespace

const char* ExtraLetters() { return kExtraLetters; }
const char* ExtraNumbers() { return kExtraNumbers; }
const char* ExtraMarks() { return kExtraMarks; }
const char* ExtraDecimal() { return kExtraDecimal; }
const char* ExtraOnigWord() { return kExtraWord; }
const char* ExtraRustWord() { return kExtraRustWord; }

bool AssignedAfterUnicode9(char32_t cp) { return InRanges(kAssignedAfterUnicode9, cp); }
bool ExtraNumeric(char32_t cp) { return InRanges(kExtraNumeric, cp); }

char32_t LowercaseOverride(char32_t cp) {
  // Rows are (cp, lowercase): a table of one-element ranges keyed by the first column.
  constexpr size_t n = std::size(kLowercaseOverrides);
  if (cp < kLowercaseOverrides[0][0] || cp > kLowercaseOverrides[n - 1][0]) return 0;
  size_t lo = 0, hi = n;
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (kLowercaseOverrides[mid][0] < cp) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo < n && kLowercaseOverrides[lo][0] == cp ? kLowercaseOverrides[lo][1] : 0;
}

}  // namespace vllm::unicode
