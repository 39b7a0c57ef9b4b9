// Lexer: template source -> flat token stream, with jinja2's whitespace rules applied to the
// text tokens as transformers configures them (trim_blocks=True, lstrip_blocks=True,
// keep_trailing_newline=False):
//   {%- / {{- / {#-   strip all whitespace before the tag
//   -%} / -}} / -#}   strip all whitespace after the tag
//   lstrip_blocks     spaces/tabs between a line start and {% or {# are dropped ({%+ opts out)
//   trim_blocks       the first newline after %} or #} is dropped (+%} opts out)
// Newlines are normalized to \n and one trailing newline of the source is dropped, as
// jinja2 does. {% raw %}...{% endraw %} becomes a text token. Comments produce no tokens.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "chat_template/error.h"

namespace vllm::jinja {

enum class TokenKind {
  kText,
  kVarBegin,    // {{
  kVarEnd,      // }}
  kBlockBegin,  // {%
  kBlockEnd,    // %}
  kName,
  kString,
  kInt,
  kFloat,
  kOp,  // punctuation/operator; `text` holds it ("==", "(", "|", ...)
  kEof,
};

struct Token {
  TokenKind kind;
  std::string text;  // text data, name, decoded string literal, or operator
  int64_t int_value = 0;
  double float_value = 0;
  SourcePos pos;
};

struct LexOptions {
  bool trim_blocks = true;
  bool lstrip_blocks = true;
};

// Throws TemplateError (unterminated tag/string/comment, unexpected character).
std::vector<Token> Lex(const std::string& source, const LexOptions& opts = {});

}  // namespace vllm::jinja
