#include "chat_template/expr_parser.h"

#include "chat_template/builtins.h"

namespace vllm::jinja {

ExprPtr ExprParser::MakeExpr(Expr::Kind kind, SourcePos pos) {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->pos = pos;
  return e;
}
ExprPtr ExprParser::MakeBinary(const std::string& op, ExprPtr a, ExprPtr b, SourcePos pos) {
  auto e = MakeExpr(Expr::Kind::kBinary, pos);
  e->name = op;
  e->args.push_back(std::move(a));
  e->args.push_back(std::move(b));
  return e;
}

ExprPtr ExprParser::ParseExpr(bool allow_cond) {
  DepthGuard guard(this, Peek());
  ExprPtr e = ParseOr();
  if (!allow_cond) return e;
  while (IsName("if")) {
    SourcePos pos = Next().pos;
    auto c = MakeExpr(Expr::Kind::kCondExpr, pos);
    ExprPtr cond = ParseOr();
    ExprPtr else_value;
    if (IsName("else")) {
      Next();
      else_value = ParseExpr();
    }
    c->args.push_back(std::move(cond));
    c->args.push_back(std::move(e));
    c->args.push_back(std::move(else_value));
    e = std::move(c);
  }
  return e;
}

ExprPtr ExprParser::ParseTuple(bool allow_cond) {
  const Token& start = Peek();
  ExprPtr first = ParseExpr(allow_cond);
  if (!IsOp(",")) return first;
  auto tuple = MakeExpr(Expr::Kind::kList, start.pos);
  tuple->is_tuple = true;
  tuple->args.push_back(std::move(first));
  while (IsOp(",")) {
    Next();
    const Token& t = Peek();
    if (t.kind == TokenKind::kBlockEnd || t.kind == TokenKind::kVarEnd || IsName("if")) break;
    tuple->args.push_back(ParseExpr(allow_cond));
  }
  return tuple;
}

ExprPtr ExprParser::ParseOr() {
  ExprPtr e = ParseAnd();
  while (IsName("or")) {
    SourcePos pos = Next().pos;
    e = MakeBinary("or", std::move(e), ParseAnd(), pos);
  }
  return e;
}

ExprPtr ExprParser::ParseAnd() {
  ExprPtr e = ParseNot();
  while (IsName("and")) {
    SourcePos pos = Next().pos;
    e = MakeBinary("and", std::move(e), ParseNot(), pos);
  }
  return e;
}

ExprPtr ExprParser::ParseNot() {
  if (IsName("not")) {
    DepthGuard guard(this, Peek());
    SourcePos pos = Next().pos;
    auto e = MakeExpr(Expr::Kind::kUnary, pos);
    e->name = "not";
    e->args.push_back(ParseNot());
    return e;
  }
  return ParseCompare();
}

ExprPtr ExprParser::ParseCompare() {
  ExprPtr first = ParseMath1();
  ExprPtr chain;
  while (true) {
    const Token& t = Peek();
    std::string op;
    if (t.kind == TokenKind::kOp &&
        (t.text == "==" || t.text == "!=" || t.text == "<" || t.text == ">" || t.text == "<=" || t.text == ">=")) {
      op = t.text;
      Next();
    } else if (IsName("in")) {
      op = "in";
      Next();
    } else if (IsName("not") && IsName("in", 1)) {
      op = "not in";
      Next();
      Next();
    } else {
      return chain ? std::move(chain) : std::move(first);
    }
    if (!chain) {
      chain = MakeExpr(Expr::Kind::kCompare, t.pos);
      chain->args.push_back(std::move(first));
    }
    chain->ops.push_back(op);
    chain->args.push_back(ParseMath1());
  }
}

ExprPtr ExprParser::ParseMath1() {
  ExprPtr e = ParseConcat();
  while (IsOp("+") || IsOp("-")) {
    const Token& t = Next();
    e = MakeBinary(t.text, std::move(e), ParseConcat(), t.pos);
  }
  return e;
}

ExprPtr ExprParser::ParseConcat() {
  ExprPtr e = ParseMath2();
  while (IsOp("~")) {
    const Token& t = Next();
    e = MakeBinary("~", std::move(e), ParseMath2(), t.pos);
  }
  return e;
}

ExprPtr ExprParser::ParseMath2() {
  ExprPtr e = ParsePow();
  while (IsOp("*") || IsOp("/") || IsOp("//") || IsOp("%")) {
    const Token& t = Next();
    e = MakeBinary(t.text, std::move(e), ParsePow(), t.pos);
  }
  return e;
}

ExprPtr ExprParser::ParsePow() {
  ExprPtr e = ParseUnary(true);
  while (IsOp("**")) {
    const Token& t = Next();
    e = MakeBinary("**", std::move(e), ParseUnary(true), t.pos);
  }
  return e;
}

ExprPtr ExprParser::ParseUnary(bool with_filter) {
  DepthGuard guard(this, Peek());
  ExprPtr e;
  if (IsOp("-") || IsOp("+")) {
    const Token& t = Next();
    e = MakeExpr(Expr::Kind::kUnary, t.pos);
    e->name = t.text;
    e->args.push_back(ParseUnary(false));
  } else {
    e = ParsePrimary();
  }
  e = ParsePostfix(std::move(e));
  if (with_filter) e = ParseFilterExpr(std::move(e));
  return e;
}

ExprPtr ExprParser::ParsePrimary() {
  const Token& t = Peek();
  switch (t.kind) {
    case TokenKind::kName: {
      Next();
      auto e = MakeExpr(Expr::Kind::kLiteral, t.pos);
      if (t.text == "true" || t.text == "True") e->literal = Value(true);
      else if (t.text == "false" || t.text == "False") e->literal = Value(false);
      else if (t.text == "none" || t.text == "None") e->literal = Value::None();
      else {
        e->kind = Expr::Kind::kName;
        e->name = t.text;
      }
      return e;
    }
    case TokenKind::kString: {
      auto e = MakeExpr(Expr::Kind::kLiteral, t.pos);
      std::string s;
      while (Peek().kind == TokenKind::kString) s += Next().text;  // "a" "b" concatenates
      e->literal = Value(std::move(s));
      return e;
    }
    case TokenKind::kInt: {
      Next();
      auto e = MakeExpr(Expr::Kind::kLiteral, t.pos);
      e->literal = Value(t.int_value);
      return e;
    }
    case TokenKind::kFloat: {
      Next();
      auto e = MakeExpr(Expr::Kind::kLiteral, t.pos);
      e->literal = Value(t.float_value);
      return e;
    }
    case TokenKind::kOp:
      if (t.text == "(") {
        Next();
        if (IsOp(")")) {  // empty tuple
          Next();
          auto e = MakeExpr(Expr::Kind::kList, t.pos);
          e->is_tuple = true;
          return e;
        }
        ExprPtr first = ParseExpr();
        if (IsOp(")")) {
          Next();
          return first;
        }
        auto e = MakeExpr(Expr::Kind::kList, t.pos);
        e->is_tuple = true;
        e->args.push_back(std::move(first));
        while (IsOp(",")) {
          Next();
          if (IsOp(")")) break;
          e->args.push_back(ParseExpr());
        }
        ExpectOp(")", "to close tuple");
        return e;
      }
      if (t.text == "[") {
        Next();
        auto e = MakeExpr(Expr::Kind::kList, t.pos);
        while (!IsOp("]")) {
          if (!e->args.empty()) ExpectOp(",", "between list items");
          if (IsOp("]")) break;
          e->args.push_back(ParseExpr());
        }
        Next();
        return e;
      }
      if (t.text == "{") {
        Next();
        auto e = MakeExpr(Expr::Kind::kDict, t.pos);
        while (!IsOp("}")) {
          if (!e->args.empty()) ExpectOp(",", "between dict items");
          if (IsOp("}")) break;
          e->args.push_back(ParseExpr());
          ExpectOp(":", "after dict key");
          e->args.push_back(ParseExpr());
        }
        Next();
        return e;
      }
      break;
    default:
      break;
  }
  ErrorAt(t, "unexpected " + Describe(t) + " in expression");
}

// After '(': appends positional args to e->args (after the callee/operand in args[0]) and
// keyword args to e->kwargs, through the closing ')'.
void ExprParser::ParseCallArgs(Expr* e) {
  int num_written = 0;
  while (!IsOp(")")) {
    if (num_written > 0) {
      ExpectOp(",", "between call arguments");
      if (IsOp(")")) break;
    }
    if (Peek().kind == TokenKind::kName && IsOp("=", 1)) {
      std::string key = Next().text;
      Next();
      e->kwargs.emplace_back(key, ParseExpr());
    } else {
      if (!e->kwargs.empty()) ErrorAt(Peek(), "positional argument after keyword argument");
      e->args.push_back(ParseExpr());
    }
    ++num_written;
  }
  Next();
}

ExprPtr ExprParser::ParsePostfix(ExprPtr e) {
  while (true) {
    if (IsOp(".")) {
      const Token& dot = Next();
      const Token& t = Peek();
      if (t.kind == TokenKind::kName) {
        Next();
        auto a = MakeExpr(Expr::Kind::kGetAttr, dot.pos);
        a->name = t.text;
        a->args.push_back(std::move(e));
        e = std::move(a);
      } else if (t.kind == TokenKind::kInt) {  // foo.0 is foo[0]
        Next();
        auto a = MakeExpr(Expr::Kind::kGetItem, dot.pos);
        a->args.push_back(std::move(e));
        auto idx = MakeExpr(Expr::Kind::kLiteral, t.pos);
        idx->literal = Value(t.int_value);
        a->args.push_back(std::move(idx));
        e = std::move(a);
      } else {
        ErrorAt(t, "expected an attribute name after '.', got " + Describe(t));
      }
    } else if (IsOp("[")) {
      const Token& open = Next();
      ExprPtr parts[3];
      bool is_slice = false;
      for (int k = 0; k < 3; ++k) {
        if (!IsOp(":") && !IsOp("]")) parts[k] = ParseExpr();
        if (k < 2 && IsOp(":")) {
          Next();
          is_slice = true;
        } else {
          break;
        }
      }
      ExpectOp("]", "to close subscript");
      if (is_slice) {
        auto s = MakeExpr(Expr::Kind::kSlice, open.pos);
        s->args.push_back(std::move(e));
        for (auto& p : parts) s->args.push_back(std::move(p));
        e = std::move(s);
      } else {
        if (!parts[0]) {
          // jinja2 subscripts with an empty tuple, which no container holds: Undefined.
          parts[0] = MakeExpr(Expr::Kind::kList, open.pos);
          parts[0]->is_tuple = true;
        }
        auto g = MakeExpr(Expr::Kind::kGetItem, open.pos);
        g->args.push_back(std::move(e));
        g->args.push_back(std::move(parts[0]));
        e = std::move(g);
      }
    } else if (IsOp("(")) {
      const Token& open = Next();
      auto c = MakeExpr(Expr::Kind::kCall, open.pos);
      c->args.push_back(std::move(e));
      ParseCallArgs(c.get());
      e = std::move(c);
    } else {
      return e;
    }
  }
}

ExprPtr ExprParser::ParseFilterChain(ExprPtr operand, bool leading_pipe) {
  bool first = true;
  while ((first && !leading_pipe) || IsOp("|")) {
    if (!(first && !leading_pipe)) Next();
    first = false;
    const Token& t = Peek();
    std::string name = ExpectName("as filter name");
    while (IsOp(".")) {  // jinja2 allows dotted filter names (never registered, so they fail)
      Next();
      name.append(1, '.').append(ExpectName("in dotted filter name"));
    }
    auto f = MakeExpr(Expr::Kind::kFilter, t.pos);
    f->name = name;
    f->args.push_back(std::move(operand));
    if (IsOp("(")) {
      Next();
      ParseCallArgs(f.get());
    }
    operand = std::move(f);
  }
  return operand;
}

// jinja2's rule for a bare test argument: a name (other than else/or/and), a literal, or an
// opening bracket. Any other name counts, so `x is number if` reads `if` as a variable.
bool ExprParser::CanStartTestArg() const {
  const Token& t = Peek();
  switch (t.kind) {
    case TokenKind::kName:
      if (t.text == "is") ErrorAt(t, "You cannot chain multiple tests with is");
      return t.text != "else" && t.text != "or" && t.text != "and";
    case TokenKind::kString:
    case TokenKind::kInt:
    case TokenKind::kFloat:
      return true;
    case TokenKind::kOp:
      return t.text == "[" || t.text == "{";
    default:
      return false;
  }
}

ExprPtr ExprParser::ParseFilterExpr(ExprPtr e) {
  while (true) {
    if (IsOp("|")) {
      e = ParseFilterChain(std::move(e));
    } else if (IsOp("(")) {  // calling a filter's or test's result: `x|attr('f')()`
      const Token& open = Next();
      auto c = MakeExpr(Expr::Kind::kCall, open.pos);
      c->args.push_back(std::move(e));
      ParseCallArgs(c.get());
      e = std::move(c);
    } else if (IsName("is")) {
      Next();  // is
      bool negated = false;
      if (IsName("not")) {
        Next();
        negated = true;
      }
      SourcePos name_pos = Peek().pos;
      std::string name = ExpectName("as test name after 'is'");
      while (IsOp(".")) {
        Next();
        name.append(1, '.').append(ExpectName("in dotted test name"));
      }
      auto test = MakeExpr(Expr::Kind::kTest, name_pos);
      test->name = name;
      test->negated = negated;
      test->args.push_back(std::move(e));
      if (IsOp("(")) {
        Next();
        ParseCallArgs(test.get());
      } else if (CanStartTestArg()) {
        // jinja2 takes one bare argument: `x is divisibleby 3`, `x is sameas none`.
        test->args.push_back(ParsePostfix(ParsePrimary()));
      }
      e = std::move(test);
    } else {
      return e;
    }
  }
}

}  // namespace vllm::jinja
