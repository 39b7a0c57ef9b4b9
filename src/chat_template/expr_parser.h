// ExprParser: jinja2 expressions, with jinja2's operator precedence (lowest first): inline
// if, or, and, not, comparisons/in (chained like Python), +/-, ~, * / // %, **, unary -/+,
// then primary with postfix ., [], (), | filter and `is` test.
#pragma once

#include "chat_template/ast.h"
#include "chat_template/token_cursor.h"

namespace vllm::jinja {

class ExprParser : public TokenCursor {
 public:
  using TokenCursor::TokenCursor;

  // allow_cond=false stops before a top-level `if` (the `for x in y if cond` filter).
  ExprPtr ParseExpr(bool allow_cond = true);
  // jinja2's parse_tuple: where a statement takes an expression (`{{ }}`, set, if, for), a
  // comma makes an implicit tuple: `{% set a = 1, 2 %}`.
  ExprPtr ParseTuple(bool allow_cond);
  // `| f(args) | g`: operand may be null (filter blocks, `{% set x | f %}`); without
  // leading_pipe the first filter name comes directly (`{% filter upper %}`).
  ExprPtr ParseFilterChain(ExprPtr operand, bool leading_pipe = true);

 private:
  static ExprPtr MakeExpr(Expr::Kind kind, SourcePos pos);
  static ExprPtr MakeBinary(const std::string& op, ExprPtr a, ExprPtr b, SourcePos pos);
  ExprPtr ParseOr();
  ExprPtr ParseAnd();
  ExprPtr ParseNot();
  ExprPtr ParseCompare();
  ExprPtr ParseMath1();
  ExprPtr ParseConcat();
  ExprPtr ParseMath2();
  ExprPtr ParsePow();
  ExprPtr ParseUnary(bool with_filter);
  ExprPtr ParsePrimary();
  void ParseCallArgs(Expr* e);
  ExprPtr ParsePostfix(ExprPtr e);
  bool CanStartTestArg() const;
  ExprPtr ParseFilterExpr(ExprPtr e);
};

}  // namespace vllm::jinja
