#include "tokenizer/regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "tokenizer/unicode_tables.h"

namespace vllm {
namespace {

// One JIT stack and match-data block per thread: encoding may run on several threads and
// pcre2 match state is not shareable. 1 MiB lets `\s+(?!\S)` walk very long whitespace runs.
struct ThreadMatchState {
  pcre2_jit_stack* stack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, nullptr);
  pcre2_match_context* context = pcre2_match_context_create(nullptr);
  pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
  ThreadMatchState() { pcre2_jit_stack_assign(context, nullptr, stack); }
  ~ThreadMatchState() {
    pcre2_match_data_free(data);
    pcre2_match_context_free(context);
    pcre2_jit_stack_free(stack);
  }
};

ThreadMatchState& MatchState() {
  thread_local ThreadMatchState state;
  return state;
}

// Unicode \w (Rust regex; Oniguruma adds all numbers) is Alphabetic + Mark +
// Decimal_Number + Connector_Punctuation + Join_Control; PCRE2 10.42's is only L, N and
// '_' (it would split "नमस्ते" at its marks). The generated extras add what differs.
constexpr const char* kWordSetBase = "\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\x{200C}\\x{200D}";


// The members of \p{X} PCRE2 lacks (Unicode 15-16 additions), or nullptr.
const char* ExtraMembers(const std::string& property) {
  if (property == "L") return unicode::ExtraLetters();
  if (property == "N") return unicode::ExtraNumbers();
  if (property == "M") return unicode::ExtraMarks();
  return nullptr;
}

void Append(std::string* out, std::string_view a, std::string_view b, std::string_view c) {
  out->append(a);
  out->append(b);
  out->append(c);
}

}  // namespace

std::string Regex::RewriteForPcre2(const std::string& pattern, Flavor flavor) {
  const std::string word_set =
      std::string(kWordSetBase) +
      (flavor == Flavor::kOniguruma ? unicode::ExtraOnigWord() : unicode::ExtraRustWord());
  const char* kSpaceSet = "\\s\\x{85}";
  std::string out;
  out.reserve(pattern.size() + 16);
  bool in_class = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      const char e = pattern[i + 1];
      ++i;
      if (e == 's') {
        Append(&out, in_class ? "" : "[", kSpaceSet, in_class ? "" : "]");
      } else if (e == 'S' && !in_class) {
        Append(&out, "[^", kSpaceSet, "]");
      } else if (e == 'd') {
        Append(&out, in_class ? "\\d" : "[\\d", unicode::ExtraDecimal(),
               in_class ? "" : "]");
      } else if (e == 'D' && !in_class) {
        Append(&out, "[^\\d", unicode::ExtraDecimal(), "]");
      } else if (e == 'w') {
        Append(&out, in_class ? "" : "[", word_set, in_class ? "" : "]");
      } else if (e == 'W' && !in_class) {
        Append(&out, "[^", word_set, "]");
      } else if ((e == 'p' || e == 'P') && i + 1 < pattern.size()) {
        // \p{L} or \pL: widen L, N, M to Oniguruma's newer Unicode tables.
        std::string property;
        size_t end = i + 1;
        if (pattern[i + 1] == '{') {
          const size_t close = pattern.find('}', i + 2);
          if (close != std::string::npos) {
            property = pattern.substr(i + 2, close - i - 2);
            end = close;
          }
        } else {
          property = pattern.substr(i + 1, 1);
        }
        std::string original(1, '\\');
        original.append(pattern, i, end - i + 1);
        const char* extra = ExtraMembers(property);
        if (extra == nullptr || (e == 'P' && in_class)) {
          out += original;
        } else if (in_class) {
          Append(&out, original, extra, "");
        } else {
          Append(&out, e == 'P' ? "[^\\p{" : "[\\p{", property, "}");
          Append(&out, "", extra, "]");
        }
        i = end;
      } else {
        out += '\\';
        out += e;
      }
      continue;
    }
    if (!in_class && c == '[') {
      in_class = true;
      out += c;
      // A ']' right after '[' or '[^' is a literal, not the end of the class.
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') out += pattern[++i];
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') out += pattern[++i];
      continue;
    }
    if (in_class && c == ']') in_class = false;
    out += c;
  }
  return out;
}

Result<std::shared_ptr<const Regex>> Regex::Compile(const std::string& pattern,
                                                    Flavor flavor) {
  const std::string rewritten = RewriteForPcre2(pattern, flavor);
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(rewritten.data()), rewritten.size(),
                    PCRE2_UTF | PCRE2_UCP, &error_code, &error_offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR buffer[256];
    pcre2_get_error_message(error_code, buffer, sizeof(buffer));
    return InvalidArgument("regex '" + pattern + "' at offset " + std::to_string(error_offset) +
                           ": " + reinterpret_cast<char*>(buffer));
  }
  // JIT is an optimization: if unavailable, pcre2_match below still interprets the code.
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  std::shared_ptr<Regex> regex(new Regex());
  regex->code_ = code;
  return std::shared_ptr<const Regex>(std::move(regex));
}

Regex::~Regex() { pcre2_code_free(static_cast<pcre2_code*>(code_)); }

Status Regex::FindAll(std::string_view text,
                      std::vector<std::pair<size_t, size_t>>* matches) const {
  ThreadMatchState& state = MatchState();
  auto* code = static_cast<pcre2_code*>(code_);
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t offset = 0;
  while (offset < text.size()) {
    const int rc = pcre2_match(code, subject, text.size(), offset, PCRE2_NO_UTF_CHECK,
                               state.data, state.context);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) return Internal("regex match failed with PCRE2 error " + std::to_string(rc));
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(state.data);
    const size_t begin = ovector[0];
    const size_t end = ovector[1];
    if (end > begin) {
      matches->emplace_back(begin, end);
      offset = end;
    } else {
      // Empty match: skip one whole character (Oniguruma's find_iter does the same).
      offset = begin + 1;
      while (offset < text.size() && (static_cast<uint8_t>(text[offset]) & 0xC0) == 0x80) ++offset;
    }
  }
  return Status::Ok();
}

}  // namespace vllm
