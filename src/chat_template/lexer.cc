#include "chat_template/lexer.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "chat_template/utf8.h"

namespace vllm::jinja {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool IsNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// jinja2 normalizes every newline sequence to \n and drops one trailing newline.
std::string NormalizeNewlines(const std::string& src) {
  std::string out;
  out.reserve(src.size());
  for (size_t i = 0; i < src.size(); ++i) {
    if (src[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < src.size() && src[i + 1] == '\n') ++i;
    } else {
      out.push_back(src[i]);
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

class Lexer {
 public:
  Lexer(std::string src, const LexOptions& opts) : src_(std::move(src)), opts_(opts) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < src_.size(); ++i) {
      if (src_[i] == '\n') line_starts_.push_back(i + 1);
    }
  }

  std::vector<Token> Run() {
    size_t pos = 0;
    while (pos < src_.size()) {
      size_t tag = FindTagStart(pos);
      if (tag > pos) AddText(pos, tag);
      if (tag >= src_.size()) break;
      pos = LexTag(tag);
    }
    tokens_.push_back(Token{TokenKind::kEof, "", 0, 0, PosAt(src_.size())});
    return std::move(tokens_);
  }

 private:
  enum class After { kNone, kStripAll, kStripNewline };

  SourcePos PosAt(size_t offset) const {
    auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    size_t line = it - line_starts_.begin();
    return SourcePos{static_cast<int>(line), static_cast<int>(offset - line_starts_[line - 1] + 1)};
  }

  [[noreturn]] void Error(const std::string& msg, size_t offset) const {
    throw TemplateError(msg, PosAt(offset));
  }

  size_t FindTagStart(size_t from) const {
    size_t p = from;
    while (true) {
      p = src_.find('{', p);
      if (p == std::string::npos || p + 1 >= src_.size()) return src_.size();
      char c = src_[p + 1];
      if (c == '{' || c == '%' || c == '#') return p;
      ++p;
    }
  }

  void AddText(size_t begin, size_t end) {
    std::string text = src_.substr(begin, end - begin);
    if (pending_ == After::kStripAll) {
      size_t k = 0;
      while (k < text.size() && IsSpace(text[k])) ++k;
      text.erase(0, k);
    } else if (pending_ == After::kStripNewline && !text.empty() && text[0] == '\n') {
      text.erase(0, 1);
    }
    pending_ = After::kNone;
    if (!text.empty()) {
      tokens_.push_back(Token{TokenKind::kText, std::move(text), 0, 0, PosAt(begin)});
      text_adjacent_ = true;
    }
  }

  // Applies the tag's left-side whitespace rule to the text token just before it.
  void StripBefore(size_t tag_start, char modifier, bool is_block_or_comment) {
    bool prev_is_text = text_adjacent_;
    if (modifier == '-') {
      if (prev_is_text) {
        std::string& t = tokens_.back().text;
        while (!t.empty() && IsSpace(t.back())) t.pop_back();
        if (t.empty()) tokens_.pop_back();
      }
      return;
    }
    if (!is_block_or_comment || !opts_.lstrip_blocks || modifier == '+') return;
    size_t p = tag_start;
    while (p > 0 && (src_[p - 1] == ' ' || src_[p - 1] == '\t')) --p;
    if (p != 0 && src_[p - 1] != '\n') return;
    if (p == tag_start || !prev_is_text) return;
    std::string& t = tokens_.back().text;
    size_t n = tag_start - p;
    // The text token may already be shorter (stripped by an earlier -%}); only drop what's there.
    while (n > 0 && !t.empty() && (t.back() == ' ' || t.back() == '\t')) {
      t.pop_back();
      --n;
    }
    if (t.empty()) tokens_.pop_back();
  }

  void SetAfter(char modifier, bool is_block_or_comment) {
    if (modifier == '-') pending_ = After::kStripAll;
    else if (is_block_or_comment && opts_.trim_blocks && modifier != '+') pending_ = After::kStripNewline;
    else pending_ = After::kNone;
  }

  // Returns the offset just after the tag.
  size_t LexTag(size_t start) {
    char kind = src_[start + 1];
    size_t p = start + 2;
    char left_mod = 0;
    // '+' is a modifier only on block and comment tags; in {{+x}} it is unary plus.
    if (p < src_.size() && (src_[p] == '-' || (src_[p] == '+' && kind != '{'))) left_mod = src_[p++];
    bool is_block_like = kind != '{';
    // Text before this tag ends here; remember for StripBefore.
    StripBefore(start, left_mod, is_block_like);
    text_adjacent_ = false;
    if (kind == '#') {
      size_t end = src_.find("#}", p);
      if (end == std::string::npos) Error("unterminated comment '{#'", start);
      char right_mod = (end > p && (src_[end - 1] == '-' || src_[end - 1] == '+')) ? src_[end - 1] : 0;
      SetAfter(right_mod, true);
      return end + 2;
    }
    const char* close = kind == '{' ? "}}" : "%}";
    tokens_.push_back(Token{kind == '{' ? TokenKind::kVarBegin : TokenKind::kBlockBegin, "", 0, 0,
                            PosAt(start)});
    size_t first_token = tokens_.size();
    while (true) {
      while (p < src_.size() && IsSpace(src_[p])) ++p;
      if (p >= src_.size()) Error(std::string("unterminated tag (missing '") + close + "')", start);
      char right_mod = 0;
      if ((src_[p] == '-' || (src_[p] == '+' && kind == '%')) && src_.compare(p + 1, 2, close) == 0) {
        right_mod = src_[p++];
      }
      if (src_.compare(p, 2, close) == 0) {
        tokens_.push_back(Token{kind == '{' ? TokenKind::kVarEnd : TokenKind::kBlockEnd, "", 0, 0, PosAt(p)});
        p += 2;
        SetAfter(right_mod, kind == '%');
        break;
      }
      p = LexExprToken(p);
    }
    // {% raw %} ... {% endraw %}: everything in between is text.
    if (kind == '%' && tokens_.size() == first_token + 2 && tokens_[first_token].kind == TokenKind::kName &&
        tokens_[first_token].text == "raw") {
      tokens_.resize(first_token - 1);
      return LexRaw(p, start);
    }
    return p;
  }

  size_t LexRaw(size_t body_start, size_t raw_tag) {
    size_t search = body_start;
    while (true) {
      size_t tag = src_.find("{%", search);
      if (tag == std::string::npos) Error("unterminated '{% raw %}' block", raw_tag);
      size_t q = tag + 2;
      char left_mod = 0;
      if (q < src_.size() && (src_[q] == '-' || src_[q] == '+')) left_mod = src_[q++];
      while (q < src_.size() && IsSpace(src_[q])) ++q;
      if (src_.compare(q, 6, "endraw") != 0) {
        search = tag + 2;
        continue;
      }
      q += 6;
      while (q < src_.size() && IsSpace(src_[q])) ++q;
      char right_mod = 0;
      if (q < src_.size() && (src_[q] == '-' || src_[q] == '+')) right_mod = src_[q++];
      if (src_.compare(q, 2, "%}") != 0) Error("malformed '{% endraw %}'", tag);
      if (tag > body_start) AddText(body_start, tag);
      StripBefore(tag, left_mod, true);
      text_adjacent_ = false;
      SetAfter(right_mod, true);
      return q + 2;
    }
  }

  size_t LexExprToken(size_t p) {
    SourcePos pos = PosAt(p);
    char c = src_[p];
    if (IsNameStart(c)) {
      size_t e = p;
      while (e < src_.size() && IsNameChar(src_[e])) ++e;
      tokens_.push_back(Token{TokenKind::kName, src_.substr(p, e - p), 0, 0, pos});
      return e;
    }
    if (std::isdigit(static_cast<unsigned char>(c))) return LexNumber(p, pos);
    if (c == '\'' || c == '"') return LexString(p, pos);
    static const char* kOps[] = {"//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<",
                                 ">",  "=",  "(",  ")",  "[",  "]",  "{", "}", ",", ".", ":", "|"};
    for (const char* op : kOps) {
      size_t n = std::strlen(op);
      if (src_.compare(p, n, op) == 0) {
        tokens_.push_back(Token{TokenKind::kOp, op, 0, 0, pos});
        return p + n;
      }
    }
    Error(std::string("unexpected character '") + c + "' in tag", p);
  }

  size_t LexNumber(size_t p, SourcePos pos) {
    size_t e = p;
    std::string digits;
    auto take_digits = [&]() {
      while (e < src_.size() && (std::isdigit(static_cast<unsigned char>(src_[e])) || src_[e] == '_')) {
        if (src_[e] != '_') digits.push_back(src_[e]);
        ++e;
      }
    };
    take_digits();
    bool is_float = false;
    if (e + 1 < src_.size() && src_[e] == '.' && std::isdigit(static_cast<unsigned char>(src_[e + 1]))) {
      is_float = true;
      digits.push_back('.');
      ++e;
      take_digits();
    }
    if (e < src_.size() && (src_[e] == 'e' || src_[e] == 'E')) {
      size_t q = e + 1;
      if (q < src_.size() && (src_[q] == '+' || src_[q] == '-')) ++q;
      if (q < src_.size() && std::isdigit(static_cast<unsigned char>(src_[q]))) {
        is_float = true;
        digits += src_.substr(e, q - e);
        e = q;
        take_digits();
      }
    }
    Token t{is_float ? TokenKind::kFloat : TokenKind::kInt, digits, 0, 0, pos};
    if (is_float) {
      t.float_value = std::strtod(digits.c_str(), nullptr);
    } else {
      errno = 0;
      t.int_value = std::strtoll(digits.c_str(), nullptr, 10);
      if (errno == ERANGE) Error("integer literal too large: " + digits, p);
    }
    tokens_.push_back(std::move(t));
    return e;
  }

  // Python string literal escapes: jinja2 decodes literals with the "unicode-escape" codec.
  size_t LexString(size_t p, SourcePos pos) {
    char quote = src_[p];
    std::string out;
    size_t i = p + 1;
    while (true) {
      if (i >= src_.size()) Error("unterminated string literal", p);
      char c = src_[i];
      if (c == quote) break;
      if (c != '\\') {
        out.push_back(c);
        ++i;
        continue;
      }
      if (i + 1 >= src_.size()) Error("unterminated string literal", p);
      char e = src_[i + 1];
      i += 2;
      switch (e) {
        case 'n': out.push_back('\n'); break;
        case 't': out.push_back('\t'); break;
        case 'r': out.push_back('\r'); break;
        case '\\': out.push_back('\\'); break;
        case '\'': out.push_back('\''); break;
        case '"': out.push_back('"'); break;
        case 'a': out.push_back('\a'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'v': out.push_back('\v'); break;
        case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
          // Octal escape: up to three digits (\0, \101).
          unsigned v = static_cast<unsigned>(e - '0');
          for (int k = 0; k < 2 && i < src_.size() && src_[i] >= '0' && src_[i] <= '7'; ++k) v = v * 8 + (src_[i++] - '0');
          AppendUtf8(static_cast<char32_t>(v), &out);
          break;
        }
        case '\n': break;  // line continuation
        case 'x':
        case 'u':
        case 'U': {
          size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          if (i + n > src_.size()) Error("truncated \\" + std::string(1, e) + " escape", i - 2);
          std::string hex = src_.substr(i, n);
          if (hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
            Error("bad \\" + std::string(1, e) + " escape", i - 2);
          }
          AppendUtf8(static_cast<char32_t>(std::stoul(hex, nullptr, 16)), &out);
          i += n;
          break;
        }
        default:
          // Python keeps unknown escapes verbatim.
          out.push_back('\\');
          out.push_back(e);
      }
    }
    tokens_.push_back(Token{TokenKind::kString, std::move(out), 0, 0, pos});
    return i + 1;
  }

  std::string src_;
  LexOptions opts_;
  std::vector<size_t> line_starts_;
  std::vector<Token> tokens_;
  After pending_ = After::kNone;
  // True while the newest token is text that ends exactly where the next tag starts.
  bool text_adjacent_ = false;
};

}  // namespace

std::vector<Token> Lex(const std::string& source, const LexOptions& opts) {
  return Lexer(NormalizeNewlines(source), opts).Run();
}

}  // namespace vllm::jinja
