#include "tokenizer/normalizer.h"

#include <cstdlib>
#include <utf8proc.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "tokenizer/regex.h"
#include "tokenizer/replace_pattern.h"
#include "tokenizer/unicode_tables.h"
#include "util/utf8.h"

namespace vllm {
namespace {

bool IsAscii(const std::string& s) {
  for (char c : s) {
    if (static_cast<uint8_t>(c) >= 0x80) return false;
  }
  return true;
}

// NFC/NFD/NFKC/NFKD through utf8proc. HF normalizes with Unicode 9.0 data and utf8proc
// has Unicode 15, so characters new since 9.0 are passed through untouched and split the
// text into independently normalized runs: to a Unicode 9 normalizer they are unassigned,
// i.e. starters (ccc 0) without decomposition, which block reordering and composition
// across them exactly as a run boundary does. (Normalization data of assigned characters
// never changes between versions: Unicode's stability policy.)
class UnicodeNormalizer : public Normalizer {
 public:
  explicit UnicodeNormalizer(utf8proc_option_t options) : options_(options) {}
  Status Normalize(std::string* text) const override {
    if (IsAscii(*text)) return Status::Ok();  // ASCII is invariant under every form
    std::string out;
    size_t run_begin = 0, i = 0;
    while (i < text->size()) {
      const size_t begin = i;
      if (!unicode::AssignedAfterUnicode9(utf8::DecodeAt(*text, &i))) continue;
      RETURN_IF_ERROR(NormalizeRun(std::string_view(*text).substr(run_begin, begin - run_begin),
                                   &out));
      out.append(*text, begin, i - begin);
      run_begin = i;
    }
    if (run_begin == 0) {
      RETURN_IF_ERROR(NormalizeRun(*text, &out));
    } else {
      RETURN_IF_ERROR(NormalizeRun(std::string_view(*text).substr(run_begin), &out));
    }
    *text = std::move(out);
    return Status::Ok();
  }

 private:
  Status NormalizeRun(std::string_view run, std::string* out) const {
    if (run.empty()) return Status::Ok();
    utf8proc_uint8_t* mapped = nullptr;
    const utf8proc_ssize_t n =
        utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(run.data()),
                     static_cast<utf8proc_ssize_t>(run.size()), &mapped,
                     static_cast<utf8proc_option_t>(options_ | UTF8PROC_STABLE));
    if (n < 0) return InvalidArgument(std::string("unicode normalization: ") + utf8proc_errmsg(n));
    out->append(reinterpret_cast<char*>(mapped), static_cast<size_t>(n));
    std::free(mapped);
    return Status::Ok();
  }

  utf8proc_option_t options_;
};

// Rust's char::to_lowercase, char by char (no context-dependent final sigma, as in HF).
class LowercaseNormalizer : public Normalizer {
 public:
  Status Normalize(std::string* text) const override {
    std::string out;
    out.reserve(text->size());
    size_t i = 0;
    while (i < text->size()) {
      const char32_t cp = utf8::DecodeAt(*text, &i);
      if (cp == 0x130) {  // the one unconditional multi-char lowercase mapping
        out += "i\xCC\x87";
        continue;
      }
      const char32_t newer = unicode::LowercaseOverride(cp);  // Rust std is newer Unicode
      utf8::Append(newer != 0 ? newer
                              : static_cast<char32_t>(
                                    utf8proc_tolower(static_cast<utf8proc_int32_t>(cp))),
                   &out);
    }
    *text = std::move(out);
    return Status::Ok();
  }
};

class PrependNormalizer : public Normalizer {
 public:
  explicit PrependNormalizer(std::string prefix) : prefix_(std::move(prefix)) {}
  Status Normalize(std::string* text) const override {
    if (!text->empty()) text->insert(0, prefix_);
    return Status::Ok();
  }

 private:
  std::string prefix_;
};

class ReplaceNormalizer : public Normalizer {
 public:
  explicit ReplaceNormalizer(ReplacePattern pattern) : pattern_(std::move(pattern)) {}
  Status Normalize(std::string* text) const override { return pattern_.Apply(text); }

 private:
  ReplacePattern pattern_;
};

// Strips Unicode whitespace from the left and/or right end.
class StripNormalizer : public Normalizer {
 public:
  StripNormalizer(bool left, bool right) : left_(left), right_(right) {}
  Status Normalize(std::string* text) const override {
    size_t begin = 0, end = text->size();
    if (left_) {
      while (begin < end) {
        size_t i = begin;
        if (!utf8::IsWhitespace(utf8::DecodeAt(*text, &i))) break;
        begin = i;
      }
    }
    if (right_) {
      while (end > begin) {
        size_t start = end - 1;
        while (start > begin && (static_cast<uint8_t>((*text)[start]) & 0xC0) == 0x80) --start;
        size_t i = start;
        if (!utf8::IsWhitespace(utf8::DecodeAt(*text, &i))) break;
        end = start;
      }
    }
    *text = text->substr(begin, end - begin);
    return Status::Ok();
  }

 private:
  bool left_, right_;
};

class SequenceNormalizer : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> steps)
      : steps_(std::move(steps)) {}
  Status Normalize(std::string* text) const override {
    for (const auto& step : steps_) RETURN_IF_ERROR(step->Normalize(text));
    return Status::Ok();
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> steps_;
};

}  // namespace

Result<std::unique_ptr<Normalizer>> MakeNormalizer(const nlohmann::json& spec) {
  if (spec.is_null()) return std::unique_ptr<Normalizer>();
  const std::string type = spec.value("type", "");
  if (type == "NFC") return std::unique_ptr<Normalizer>(new UnicodeNormalizer(UTF8PROC_COMPOSE));
  if (type == "NFD") {
    return std::unique_ptr<Normalizer>(new UnicodeNormalizer(UTF8PROC_DECOMPOSE));
  }
  if (type == "NFKC") {
    return std::unique_ptr<Normalizer>(
        new UnicodeNormalizer(static_cast<utf8proc_option_t>(UTF8PROC_COMPOSE | UTF8PROC_COMPAT)));
  }
  if (type == "NFKD") {
    return std::unique_ptr<Normalizer>(new UnicodeNormalizer(
        static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT)));
  }
  if (type == "Lowercase") return std::unique_ptr<Normalizer>(new LowercaseNormalizer());
  if (type == "Prepend") {
    return std::unique_ptr<Normalizer>(new PrependNormalizer(spec.value("prepend", "")));
  }
  if (type == "Replace") {
    ASSIGN_OR_RETURN(ReplacePattern pattern, ReplacePattern::FromJson(spec));
    return std::unique_ptr<Normalizer>(new ReplaceNormalizer(std::move(pattern)));
  }
  if (type == "Strip") {
    return std::unique_ptr<Normalizer>(
        new StripNormalizer(spec.value("strip_left", true), spec.value("strip_right", true)));
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<Normalizer>> steps;
    for (const auto& sub : spec.value("normalizers", nlohmann::json::array())) {
      ASSIGN_OR_RETURN(auto step, MakeNormalizer(sub));
      if (step) steps.push_back(std::move(step));
    }
    return std::unique_ptr<Normalizer>(new SequenceNormalizer(std::move(steps)));
  }
  return Unimplemented("normalizer type '" + type + "'");
}

}  // namespace vllm
