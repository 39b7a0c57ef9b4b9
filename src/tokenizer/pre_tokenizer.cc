#include "tokenizer/pre_tokenizer.h"

#include <utf8proc.h>

#include <algorithm>

#include <nlohmann/json.hpp>
#include <utility>

#include "tokenizer/regex.h"
#include "tokenizer/unicode_tables.h"
#include "util/utf8.h"

namespace vllm {
namespace {

enum class SplitBehavior { kIsolated, kRemoved, kMergedWithPrevious, kMergedWithNext, kContiguous };

struct Span {
  size_t begin, end;
  bool is_match;
};

// Applies a split behaviour to a covering list of spans (mirrors HF's
// NormalizedString::split), then appends the non-empty pieces to *out.
void EmitSplit(const PreToken& piece, std::vector<Span> spans, SplitBehavior behavior,
               bool invert, std::vector<PreToken>* out) {
  if (invert) {
    for (auto& s : spans) s.is_match = !s.is_match;
  }
  std::vector<Span> merged;
  bool previous_match = false;
  switch (behavior) {
    case SplitBehavior::kIsolated:
      merged = std::move(spans);
      for (auto& s : merged) s.is_match = false;
      break;
    case SplitBehavior::kRemoved:
      merged = std::move(spans);
      break;
    case SplitBehavior::kMergedWithPrevious:
      for (const Span& s : spans) {
        if (s.is_match && !previous_match && !merged.empty()) {
          merged.back().end = s.end;
        } else {
          merged.push_back({s.begin, s.end, false});
        }
        previous_match = s.is_match;
      }
      break;
    case SplitBehavior::kMergedWithNext:
      for (size_t k = spans.size(); k-- > 0;) {
        const Span& s = spans[k];
        if (s.is_match && !previous_match && !merged.empty()) {
          merged.back().begin = s.begin;
        } else {
          merged.push_back({s.begin, s.end, false});
        }
        previous_match = s.is_match;
      }
      std::reverse(merged.begin(), merged.end());
      break;
    case SplitBehavior::kContiguous:
      for (const Span& s : spans) {
        if (s.is_match == previous_match && !merged.empty()) {
          merged.back().end = s.end;
        } else {
          merged.push_back({s.begin, s.end, false});
        }
        previous_match = s.is_match;
      }
      break;
  }
  for (const Span& s : merged) {
    if (s.is_match || s.end == s.begin) continue;  // removed, or empty
    out->push_back({piece.text.substr(s.begin, s.end - s.begin),
                    piece.at_input_start && s.begin == 0});
  }
}

// Covering spans from sorted non-overlapping matches.
std::vector<Span> SpansFromMatches(size_t size,
                                   const std::vector<std::pair<size_t, size_t>>& matches) {
  std::vector<Span> spans;
  spans.reserve(matches.size() * 2 + 1);
  size_t prev = 0;
  for (const auto& [begin, end] : matches) {
    if (prev != begin) spans.push_back({prev, begin, false});
    spans.push_back({begin, end, true});
    prev = end;
  }
  if (prev != size) spans.push_back({prev, size, false});
  return spans;
}

Result<SplitBehavior> ParseBehavior(const std::string& name) {
  if (name == "Isolated") return SplitBehavior::kIsolated;
  if (name == "Removed") return SplitBehavior::kRemoved;
  if (name == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (name == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (name == "Contiguous") return SplitBehavior::kContiguous;
  return InvalidArgument("unknown split behavior '" + name + "'");
}

// Split by a regex or a literal string.
class SplitPreTokenizer : public PreTokenizer {
 public:
  SplitPreTokenizer(std::shared_ptr<const Regex> regex, std::string literal,
                    SplitBehavior behavior, bool invert)
      : regex_(std::move(regex)), literal_(std::move(literal)), behavior_(behavior),
        invert_(invert) {}

  Status PreTokenize(std::vector<PreToken>* pieces) const override {
    std::vector<PreToken> out;
    out.reserve(pieces->size() * 4);
    std::vector<std::pair<size_t, size_t>> matches;
    for (const PreToken& piece : *pieces) {
      matches.clear();
      if (regex_) {
        RETURN_IF_ERROR(regex_->FindAll(piece.text, &matches));
      } else if (!literal_.empty()) {
        for (size_t pos = piece.text.find(literal_); pos != std::string::npos;
             pos = piece.text.find(literal_, pos + literal_.size())) {
          matches.emplace_back(pos, pos + literal_.size());
        }
      }
      EmitSplit(piece, SpansFromMatches(piece.text.size(), matches), behavior_, invert_, &out);
    }
    *pieces = std::move(out);
    return Status::Ok();
  }

 private:
  std::shared_ptr<const Regex> regex_;
  std::string literal_;
  SplitBehavior behavior_;
  bool invert_;
};

constexpr const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

class ByteLevelPreTokenizer : public PreTokenizer {
 public:
  ByteLevelPreTokenizer(bool add_prefix_space, std::shared_ptr<const Regex> regex, bool map_bytes)
      : add_prefix_space_(add_prefix_space), regex_(std::move(regex)), map_bytes_(map_bytes) {}

  Status PreTokenize(std::vector<PreToken>* pieces) const override {
    if (add_prefix_space_) {
      for (PreToken& piece : *pieces) {
        if (piece.text.empty() || piece.text[0] != ' ') piece.text = " " + piece.text;
      }
    }
    if (regex_) {
      SplitPreTokenizer split(regex_, "", SplitBehavior::kIsolated, false);
      RETURN_IF_ERROR(split.PreTokenize(pieces));
    }
    if (map_bytes_) {
      const ByteLevelAlphabet& alphabet = GetByteLevelAlphabet();
      for (PreToken& piece : *pieces) {
        std::string mapped;
        mapped.reserve(piece.text.size() * 2);
        for (char c : piece.text) mapped += alphabet.byte_to_utf8[static_cast<uint8_t>(c)];
        piece.text = std::move(mapped);
      }
    }
    return Status::Ok();
  }

 private:
  bool add_prefix_space_;
  std::shared_ptr<const Regex> regex_;
  bool map_bytes_;
};

enum class PrependScheme { kAlways, kFirst, kNever };

class MetaspacePreTokenizer : public PreTokenizer {
 public:
  MetaspacePreTokenizer(std::string replacement, PrependScheme scheme, bool split)
      : replacement_(std::move(replacement)), scheme_(scheme), split_(split) {}

  Status PreTokenize(std::vector<PreToken>* pieces) const override {
    std::vector<PreToken> out;
    for (PreToken& piece : *pieces) {
      std::string text;
      text.reserve(piece.text.size() + replacement_.size());
      for (char c : piece.text) {
        if (c == ' ') {
          text += replacement_;
        } else {
          text += c;
        }
      }
      const bool starts_with_rep = text.compare(0, replacement_.size(), replacement_) == 0;
      if (!starts_with_rep && (scheme_ == PrependScheme::kAlways ||
                               (scheme_ == PrependScheme::kFirst && piece.at_input_start))) {
        text.insert(0, replacement_);
      }
      PreToken replaced{std::move(text), piece.at_input_start};
      if (!split_) {
        if (!replaced.text.empty()) out.push_back(std::move(replaced));
        continue;
      }
      std::vector<std::pair<size_t, size_t>> matches;
      for (size_t pos = replaced.text.find(replacement_); pos != std::string::npos;
           pos = replaced.text.find(replacement_, pos + replacement_.size())) {
        matches.emplace_back(pos, pos + replacement_.size());
      }
      EmitSplit(replaced, SpansFromMatches(replaced.text.size(), matches),
                SplitBehavior::kMergedWithNext, false, &out);
    }
    *pieces = std::move(out);
    return Status::Ok();
  }

 private:
  std::string replacement_;
  PrependScheme scheme_;
  bool split_;
};

bool IsNumeric(char32_t cp) {
  const auto category = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
  return category == UTF8PROC_CATEGORY_ND || category == UTF8PROC_CATEGORY_NL ||
         category == UTF8PROC_CATEGORY_NO || unicode::ExtraNumeric(cp);
}

// Digits: numeric chars (Rust char::is_numeric) split off, one by one or as runs.
class DigitsPreTokenizer : public PreTokenizer {
 public:
  explicit DigitsPreTokenizer(bool individual) : individual_(individual) {}
  Status PreTokenize(std::vector<PreToken>* pieces) const override {
    std::vector<PreToken> out;
    for (const PreToken& piece : *pieces) {
      std::vector<Span> spans;
      size_t i = 0;
      while (i < piece.text.size()) {
        const size_t begin = i;
        const bool numeric = IsNumeric(utf8::DecodeAt(piece.text, &i));
        spans.push_back({begin, i, numeric});
      }
      EmitSplit(piece, std::move(spans),
                individual_ ? SplitBehavior::kIsolated : SplitBehavior::kContiguous, false, &out);
    }
    *pieces = std::move(out);
    return Status::Ok();
  }

 private:
  bool individual_;
};

class SequencePreTokenizer : public PreTokenizer {
 public:
  explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> steps)
      : steps_(std::move(steps)) {}
  Status PreTokenize(std::vector<PreToken>* pieces) const override {
    for (const auto& step : steps_) RETURN_IF_ERROR(step->PreTokenize(pieces));
    return Status::Ok();
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

Result<std::unique_ptr<PreTokenizer>> MakeRegexSplit(
    const std::string& pattern, SplitBehavior behavior, bool invert,
    Regex::Flavor flavor = Regex::Flavor::kOniguruma) {
  ASSIGN_OR_RETURN(auto regex, Regex::Compile(pattern, flavor));
  return std::unique_ptr<PreTokenizer>(new SplitPreTokenizer(regex, "", behavior, invert));
}

}  // namespace

ByteLevelAlphabet::ByteLevelAlphabet() {
  for (auto& b : char_to_byte) b = -1;
  int next_extra = 0;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
    const char32_t cp = printable ? static_cast<char32_t>(b) : 256 + next_extra++;
    utf8::Append(cp, &byte_to_utf8[b]);
    char_to_byte[cp] = static_cast<int16_t>(b);
  }
}

const ByteLevelAlphabet& GetByteLevelAlphabet() {
  static const ByteLevelAlphabet alphabet;
  return alphabet;
}

Result<std::unique_ptr<PreTokenizer>> MakePreTokenizer(const nlohmann::json& spec,
                                                       bool defer_byte_level_tail,
                                                       bool* byte_level_tail) {
  *byte_level_tail = false;
  if (spec.is_null()) return std::unique_ptr<PreTokenizer>();
  const std::string type = spec.value("type", "");
  if (type == "Split") {
    ASSIGN_OR_RETURN(SplitBehavior behavior, ParseBehavior(spec.value("behavior", "Isolated")));
    const bool invert = spec.value("invert", false);
    const auto& pattern = spec.at("pattern");
    if (pattern.contains("Regex")) {
      return MakeRegexSplit(pattern.at("Regex").get<std::string>(), behavior, invert);
    }
    return std::unique_ptr<PreTokenizer>(new SplitPreTokenizer(
        nullptr, pattern.at("String").get<std::string>(), behavior, invert));
  }
  if (type == "ByteLevel") {
    std::shared_ptr<const Regex> regex;
    if (spec.value("use_regex", true)) {
      ASSIGN_OR_RETURN(regex, Regex::Compile(kGpt2Pattern));
    }
    *byte_level_tail = defer_byte_level_tail;
    return std::unique_ptr<PreTokenizer>(new ByteLevelPreTokenizer(
        spec.value("add_prefix_space", true), regex, !defer_byte_level_tail));
  }
  if (type == "Metaspace") {
    PrependScheme scheme = spec.value("add_prefix_space", true) ? PrependScheme::kAlways
                                                                 : PrependScheme::kNever;
    if (spec.contains("prepend_scheme")) {
      const std::string s = spec.at("prepend_scheme").get<std::string>();
      scheme = s == "first" ? PrependScheme::kFirst
               : s == "never" ? PrependScheme::kNever
                              : PrependScheme::kAlways;
    }
    return std::unique_ptr<PreTokenizer>(new MetaspacePreTokenizer(
        spec.value("replacement", "\xE2\x96\x81"), scheme, spec.value("split", true)));
  }
  if (type == "Digits") {
    return std::unique_ptr<PreTokenizer>(
        new DigitsPreTokenizer(spec.value("individual_digits", false)));
  }
  if (type == "Whitespace") {
    // Keeps the matches and drops what lies between them (the whitespace).
    // HF compiles this one with the Rust regex crate, whose \w differs from Oniguruma's.
    return MakeRegexSplit(R"(\w+|[^\w\s]+)", SplitBehavior::kRemoved, /*invert=*/true,
                          Regex::Flavor::kRustRegex);
  }
  if (type == "WhitespaceSplit") {
    return MakeRegexSplit(R"(\s+)", SplitBehavior::kRemoved, false, Regex::Flavor::kRustRegex);
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<PreTokenizer>> steps;
    const auto& subs = spec.at("pretokenizers");
    for (size_t k = 0; k < subs.size(); ++k) {
      bool tail = false;
      ASSIGN_OR_RETURN(auto step, MakePreTokenizer(subs[k], defer_byte_level_tail &&
                                                                k + 1 == subs.size(), &tail));
      *byte_level_tail = tail;
      if (step) steps.push_back(std::move(step));
    }
    return std::unique_ptr<PreTokenizer>(new SequencePreTokenizer(std::move(steps)));
  }
  return Unimplemented("pre_tokenizer type '" + type + "'");
}

}  // namespace vllm
