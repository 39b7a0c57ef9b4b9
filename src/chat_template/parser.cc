#include "chat_template/parser.h"

#include <set>

#include "chat_template/builtins.h"
#include "chat_template/lexer.h"

namespace vllm::jinja {
namespace {

// Deep nesting would overflow the C++ stack in this recursive-descent parser (and later in the
// interpreter); real chat templates nest a handful of levels.
constexpr int kMaxNesting = 200;

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : toks_(std::move(tokens)) {}

  Body ParseTemplate() {
    std::string end_tag;
    Body body = ParseBody({}, &end_tag);
    return body;
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    size_t i = std::min(i_ + ahead, toks_.size() - 1);
    return toks_[i];
  }
  const Token& Next() {
    const Token& t = toks_[i_];
    if (i_ + 1 < toks_.size()) ++i_;
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

  struct DepthGuard {
    DepthGuard(Parser* p, const Token& t) : p(p) {
      if (++p->depth_ > kMaxNesting) p->ErrorAt(t, "template nested too deeply");
    }
    ~DepthGuard() { --p->depth_; }
    Parser* p;
  };

  // Parses nodes until a {% <one of end_tags> ... is reached (consumes '{%' and the keyword and
  // stores it in *end_tag) or the template ends (only allowed when end_tags is empty).
  Body ParseBody(const std::set<std::string>& end_tags, std::string* end_tag) {
    Body body;
    while (true) {
      const Token& t = Peek();
      if (t.kind == TokenKind::kEof) {
        if (!end_tags.empty()) return body;  // caller reports the unclosed block
        end_tag->clear();
        return body;
      }
      if (t.kind == TokenKind::kText) {
        auto n = MakeNode(Node::Kind::kText, t);
        n->text = t.text;
        Next();
        body.push_back(std::move(n));
      } else if (t.kind == TokenKind::kVarBegin) {
        Next();
        auto n = MakeNode(Node::Kind::kOutput, t);
        n->expr = ParseExpr();
        if (Peek().kind != TokenKind::kVarEnd) ErrorAt(Peek(), "expected '}}' to end the expression, got " + Describe(Peek()));
        Next();
        body.push_back(std::move(n));
      } else if (t.kind == TokenKind::kBlockBegin) {
        const Token& kw = Peek(1);
        if (kw.kind != TokenKind::kName) ErrorAt(kw, "expected a tag name after '{%', got " + Describe(kw));
        if (end_tags.count(kw.text)) {
          Next();
          Next();
          *end_tag = kw.text;
          return body;
        }
        Next();
        body.push_back(ParseStatement());
      } else {
        ErrorAt(t, "unexpected " + Describe(t));
      }
    }
  }

  // Parses a body that must end with one of end_tags; reports where the block opened if not.
  Body ParseBlockBody(const std::set<std::string>& end_tags, const Token& opener, const std::string& expected,
                      std::string* end_tag) {
    Body body = ParseBody(end_tags, end_tag);
    if (Peek().kind == TokenKind::kEof && end_tag->empty()) {
      ErrorAt(Peek(), "unexpected end of template: '" + opener.text + "' tag at line " +
                          std::to_string(opener.pos.line) + " is never closed (expected '" + expected + "')");
    }
    return body;
  }

  static NodePtr MakeNode(Node::Kind kind, const Token& t) {
    auto n = std::make_unique<Node>();
    n->kind = kind;
    n->pos = t.pos;
    return n;
  }

  NodePtr ParseStatement() {
    const Token& kw = Next();  // the tag name
    DepthGuard guard(this, kw);
    const std::string& tag = kw.text;
    if (tag == "if") return ParseIf(kw);
    if (tag == "for") return ParseFor(kw);
    if (tag == "set") return ParseSet(kw);
    if (tag == "macro") return ParseMacro(kw);
    if (tag == "call") return ParseCallBlock(kw);
    if (tag == "filter") return ParseFilterBlock(kw);
    if (tag == "generation") {
      ExpectBlockEnd(tag);
      auto n = MakeNode(Node::Kind::kScope, kw);
      std::string end;
      n->body = ParseBlockBody({"endgeneration"}, kw, "endgeneration", &end);
      ExpectBlockEnd(end);
      return n;
    }
    if (tag == "break" || tag == "continue") {
      if (loop_depth_ == 0) ErrorAt(kw, "'" + tag + "' outside of a 'for' loop");
      ExpectBlockEnd(tag);
      return MakeNode(tag == "break" ? Node::Kind::kBreak : Node::Kind::kContinue, kw);
    }
    ErrorAt(kw, "unknown or misplaced tag '" + tag + "'");
  }

  NodePtr ParseIf(const Token& kw) {
    auto n = MakeNode(Node::Kind::kIf, kw);
    ExprPtr cond = ParseExpr();
    ExpectBlockEnd("if");
    while (true) {
      std::string end;
      Body body = ParseBlockBody({"elif", "else", "endif"}, kw, "endif", &end);
      n->branches.emplace_back(std::move(cond), std::move(body));
      if (end == "elif") {
        cond = ParseExpr();
        ExpectBlockEnd("elif");
        continue;
      }
      if (end == "else") {
        ExpectBlockEnd("else");
        Body else_body = ParseBlockBody({"endif"}, kw, "endif", &end);
        n->branches.emplace_back(nullptr, std::move(else_body));
      }
      ExpectBlockEnd("endif");
      return n;
    }
  }

  std::vector<std::string> ParseTargets(const char* context) {
    std::vector<std::string> names;
    bool paren = IsOp("(");
    if (paren) Next();
    names.push_back(ExpectName(context));
    while (IsOp(",")) {
      Next();
      names.push_back(ExpectName(context));
    }
    if (paren) ExpectOp(")", context);
    return names;
  }

  NodePtr ParseFor(const Token& kw) {
    auto n = MakeNode(Node::Kind::kFor, kw);
    n->targets = ParseTargets("as 'for' loop variable");
    if (!IsName("in")) ErrorAt(Peek(), "expected 'in' in 'for' tag, got " + Describe(Peek()));
    Next();
    n->expr = ParseExpr(/*allow_cond=*/false);
    if (IsName("if")) {
      Next();
      n->filter = ParseExpr();
    }
    if (IsName("recursive")) ErrorAt(Peek(), "recursive 'for' loops are not supported");
    ExpectBlockEnd("for");
    ++loop_depth_;
    std::string end;
    n->body = ParseBlockBody({"else", "endfor"}, kw, "endfor", &end);
    --loop_depth_;
    if (end == "else") {
      ExpectBlockEnd("else");
      n->else_body = ParseBlockBody({"endfor"}, kw, "endfor", &end);
    }
    ExpectBlockEnd("endfor");
    return n;
  }

  NodePtr ParseSet(const Token& kw) {
    const Token& first = Peek();
    std::string name = ExpectName("after 'set'");
    if (IsOp(".")) {
      Next();
      auto n = MakeNode(Node::Kind::kSet, kw);
      n->targets = {name};
      n->target_attr = ExpectName("after '.' in 'set' target");
      ExpectOp("=", "in 'set' tag");
      n->expr = ParseExpr();
      ExpectBlockEnd("set");
      return n;
    }
    std::vector<std::string> targets = {name};
    while (IsOp(",")) {
      Next();
      targets.push_back(ExpectName("in 'set' target list"));
    }
    if (IsOp("=")) {
      Next();
      auto n = MakeNode(Node::Kind::kSet, kw);
      n->targets = std::move(targets);
      n->expr = ParseExpr();
      ExpectBlockEnd("set");
      return n;
    }
    if (targets.size() != 1) ErrorAt(first, "block 'set' takes a single name");
    auto n = MakeNode(Node::Kind::kSetBlock, kw);
    n->targets = std::move(targets);
    if (IsOp("|")) n->filter = ParseFilterChain(nullptr);
    ExpectBlockEnd("set");
    std::string end;
    n->body = ParseBlockBody({"endset"}, kw, "endset", &end);
    ExpectBlockEnd("endset");
    return n;
  }

  void ParseParams(std::vector<MacroParam>* params, const char* context) {
    ExpectOp("(", context);
    while (!IsOp(")")) {
      if (!params->empty()) ExpectOp(",", context);
      if (IsOp(")")) break;
      MacroParam p;
      p.name = ExpectName(context);
      if (IsOp("=")) {
        Next();
        p.default_value = ParseExpr();
      }
      params->push_back(std::move(p));
    }
    Next();
  }

  NodePtr ParseMacro(const Token& kw) {
    auto n = MakeNode(Node::Kind::kMacro, kw);
    n->name = ExpectName("after 'macro'");
    ParseParams(&n->params, "in macro parameter list");
    ExpectBlockEnd("macro");
    int saved_loops = loop_depth_;
    loop_depth_ = 0;  // break/continue cannot cross a macro boundary
    std::string end;
    n->body = ParseBlockBody({"endmacro"}, kw, "endmacro", &end);
    loop_depth_ = saved_loops;
    if (Peek().kind == TokenKind::kName) Next();  // {% endmacro name %}
    ExpectBlockEnd("endmacro");
    return n;
  }

  NodePtr ParseCallBlock(const Token& kw) {
    auto n = MakeNode(Node::Kind::kCallBlock, kw);
    if (IsOp("(")) ParseParams(&n->params, "in call block parameter list");
    n->expr = ParseExpr();
    if (n->expr->kind != Expr::Kind::kCall) ErrorAt(kw, "'call' tag needs a macro call expression");
    ExpectBlockEnd("call");
    int saved_loops = loop_depth_;
    loop_depth_ = 0;
    std::string end;
    n->body = ParseBlockBody({"endcall"}, kw, "endcall", &end);
    loop_depth_ = saved_loops;
    ExpectBlockEnd("endcall");
    return n;
  }

  NodePtr ParseFilterBlock(const Token& kw) {
    auto n = MakeNode(Node::Kind::kFilterBlock, kw);
    // `{% filter upper %}` has no leading '|'; reuse the filter-chain parser.
    n->expr = ParseFilterChain(nullptr, /*leading_pipe=*/false);
    ExpectBlockEnd("filter");
    std::string end;
    n->body = ParseBlockBody({"endfilter"}, kw, "endfilter", &end);
    ExpectBlockEnd("endfilter");
    return n;
  }

  // ---- expressions ----

  static ExprPtr MakeExpr(Expr::Kind kind, SourcePos pos) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->pos = pos;
    return e;
  }
  static ExprPtr MakeBinary(const std::string& op, ExprPtr a, ExprPtr b, SourcePos pos) {
    auto e = MakeExpr(Expr::Kind::kBinary, pos);
    e->name = op;
    e->args.push_back(std::move(a));
    e->args.push_back(std::move(b));
    return e;
  }

  ExprPtr ParseExpr(bool allow_cond = true) {
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

  ExprPtr ParseOr() {
    ExprPtr e = ParseAnd();
    while (IsName("or")) {
      SourcePos pos = Next().pos;
      e = MakeBinary("or", std::move(e), ParseAnd(), pos);
    }
    return e;
  }

  ExprPtr ParseAnd() {
    ExprPtr e = ParseNot();
    while (IsName("and")) {
      SourcePos pos = Next().pos;
      e = MakeBinary("and", std::move(e), ParseNot(), pos);
    }
    return e;
  }

  ExprPtr ParseNot() {
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

  ExprPtr ParseCompare() {
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

  ExprPtr ParseMath1() {
    ExprPtr e = ParseConcat();
    while (IsOp("+") || IsOp("-")) {
      const Token& t = Next();
      e = MakeBinary(t.text, std::move(e), ParseConcat(), t.pos);
    }
    return e;
  }

  ExprPtr ParseConcat() {
    ExprPtr e = ParseMath2();
    while (IsOp("~")) {
      const Token& t = Next();
      e = MakeBinary("~", std::move(e), ParseMath2(), t.pos);
    }
    return e;
  }

  ExprPtr ParseMath2() {
    ExprPtr e = ParsePow();
    while (IsOp("*") || IsOp("/") || IsOp("//") || IsOp("%")) {
      const Token& t = Next();
      e = MakeBinary(t.text, std::move(e), ParsePow(), t.pos);
    }
    return e;
  }

  ExprPtr ParsePow() {
    ExprPtr e = ParseUnary(true);
    while (IsOp("**")) {
      const Token& t = Next();
      e = MakeBinary("**", std::move(e), ParseUnary(true), t.pos);
    }
    return e;
  }

  ExprPtr ParseUnary(bool with_filter) {
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

  ExprPtr ParsePrimary() {
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
  void ParseCallArgs(Expr* e) {
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

  ExprPtr ParsePostfix(ExprPtr e) {
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
          if (!parts[0]) ErrorAt(open, "empty subscript '[]'");
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

  ExprPtr ParseFilterChain(ExprPtr operand, bool leading_pipe = true) {
    bool first = true;
    while ((first && !leading_pipe) || IsOp("|")) {
      if (!(first && !leading_pipe)) Next();
      first = false;
      const Token& t = Peek();
      std::string name = ExpectName("as filter name");
      // jinja2 rejects unknown filters when compiling, before any render.
      if (!HasFilter(name)) ErrorAt(t, "no filter named '" + name + "'");
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

  bool CanStartTestArg() const {
    const Token& t = Peek();
    switch (t.kind) {
      case TokenKind::kName:
        return t.text != "else" && t.text != "or" && t.text != "and" && t.text != "if" && t.text != "in" &&
               t.text != "not" && t.text != "is";
      case TokenKind::kString:
      case TokenKind::kInt:
      case TokenKind::kFloat:
        return true;
      case TokenKind::kOp:
        return t.text == "[" || t.text == "{" || t.text == "-";
      default:
        return false;
    }
  }

  ExprPtr ParseFilterExpr(ExprPtr e) {
    while (true) {
      if (IsOp("|")) {
        e = ParseFilterChain(std::move(e));
      } else if (IsName("is")) {
        const Token& is = Next();
        bool negated = false;
        if (IsName("not")) {
          Next();
          negated = true;
        }
        const Token& t = Peek();
        std::string name;
        if (t.kind == TokenKind::kName) {
          name = Next().text;
        } else if (t.kind == TokenKind::kOp && (t.text == "==" || t.text == "!=" || t.text == "<" ||
                                                 t.text == ">" || t.text == "<=" || t.text == ">=")) {
          name = Next().text;
        } else {
          ErrorAt(t, "expected a test name after 'is', got " + Describe(t));
        }
        if (!HasTest(name)) ErrorAt(t, "no test named '" + name + "'");
        auto test = MakeExpr(Expr::Kind::kTest, is.pos);
        test->name = name;
        test->negated = negated;
        test->args.push_back(std::move(e));
        if (IsOp("(")) {
          Next();
          ParseCallArgs(test.get());
        } else if (CanStartTestArg()) {
          test->args.push_back(ParseUnary(false));
        }
        e = std::move(test);
      } else {
        return e;
      }
    }
  }

  std::vector<Token> toks_;
  size_t i_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
};

}  // namespace

Body Parse(const std::string& source) { return Parser(Lex(source)).ParseTemplate(); }

}  // namespace vllm::jinja
