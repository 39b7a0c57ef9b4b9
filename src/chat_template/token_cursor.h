// TokenCursor: the shared reading position of the statement parser (parser.cc) and the
// expression parser (expr_parser.cc) over one token stream, with the lookahead/expect helpers
// and error reporting both use.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "chat_template/error.h"
#include "chat_template/lexer.h"

namespace vllm::jinja {

// Deep nesting would overflow the C++ stack in the recursive-descent parsers (and later in the
// interpreter); real chat templates nest a handful of levels.
constexpr int kMaxNesting = 200;

struct TokenState {
  std::vector<Token> tokens;  // ends with kEof
  size_t index = 0;
  int depth = 0;
};

class TokenCursor {
 public:
  explicit TokenCursor(TokenState* state) : state_(state) {}

  const Token& Peek(size_t ahead = 0) const {
    size_t i = std::min(state_->index + ahead, state_->tokens.size() - 1);
    return state_->tokens[i];
  }
  const Token& Next() {
    const Token& t = state_->tokens[state_->index];
    if (state_->index + 1 < state_->tokens.size()) ++state_->index;
    return t;
  }
  bool IsOp(const char* op, size_t ahead = 0) const {
    return Peek(ahead).kind == TokenKind::kOp && Peek(ahead).text == op;
  }
  bool IsName(const char* name, size_t ahead = 0) const {
    return Peek(ahead).kind == TokenKind::kName && Peek(ahead).text == name;
  }
  static std::string Describe(const Token& t) {
    switch (t.kind) {
      case TokenKind::kText: return "text";
      case TokenKind::kVarBegin: return "'{{'";
      case TokenKind::kVarEnd: return "'}}'";
      case TokenKind::kBlockBegin: return "'{%'";
      case TokenKind::kBlockEnd: return "'%}'";
      case TokenKind::kName: return "name '" + t.text + "'";
      case TokenKind::kString: return "string literal";
      case TokenKind::kInt:
      case TokenKind::kFloat: return "number '" + t.text + "'";
      case TokenKind::kOp: return "'" + t.text + "'";
      case TokenKind::kEof: return "end of template";
    }
    return "token";
  }
  [[noreturn]] void ErrorAt(const Token& t, const std::string& msg) const { throw TemplateError(msg, t.pos); }
  void ExpectOp(const char* op, const char* context) {
    if (!IsOp(op)) ErrorAt(Peek(), std::string("expected '") + op + "' " + context + ", got " + Describe(Peek()));
    Next();
  }
  std::string ExpectName(const char* context) {
    if (Peek().kind != TokenKind::kName) ErrorAt(Peek(), std::string("expected a name ") + context + ", got " + Describe(Peek()));
    return Next().text;
  }
  void ExpectBlockEnd(const std::string& tag) {
    if (Peek().kind != TokenKind::kBlockEnd) {
      ErrorAt(Peek(), "expected '%}' to close '" + tag + "' tag, got " + Describe(Peek()));
    }
    Next();
  }

  // Counts nesting while a statement or expression is parsed; too deep is a TemplateError.
  struct DepthGuard {
    DepthGuard(TokenCursor* c, const Token& t) : c(c) {
      if (++c->state_->depth > kMaxNesting) c->ErrorAt(t, "template nested too deeply");
    }
    ~DepthGuard() { --c->state_->depth; }
    TokenCursor* c;
  };

 protected:
  TokenState* state_;
};

}  // namespace vllm::jinja
