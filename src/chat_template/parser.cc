#include "chat_template/parser.h"

#include <set>

#include "chat_template/builtins.h"
#include "chat_template/expr_parser.h"
#include "chat_template/lexer.h"

namespace vllm::jinja {
namespace {

// Statements ({% if %}, {% for %}, ...) and the text/output nodes between them; expressions
// are delegated to ExprParser over the same tokens.
class Parser : public ExprParser {
 public:
  explicit Parser(TokenState* state) : ExprParser(state) {}

  Body ParseTemplate() {
    std::string end_tag;
    return ParseBody({}, &end_tag);
  }

 private:
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
        n->expr = ParseTuple(/*allow_cond=*/true);
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
    ExprPtr cond = ParseTuple(/*allow_cond=*/false);
    ExpectBlockEnd("if");
    while (true) {
      std::string end;
      Body body = ParseBlockBody({"elif", "else", "endif"}, kw, "endif", &end);
      n->branches.emplace_back(std::move(cond), std::move(body));
      if (end == "elif") {
        cond = ParseTuple(/*allow_cond=*/false);
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
    n->expr = ParseTuple(/*allow_cond=*/false);
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
      n->expr = ParseTuple(/*allow_cond=*/true);
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
      n->expr = ParseTuple(/*allow_cond=*/true);
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


  int loop_depth_ = 0;
};

// jinja2 rejects an unknown filter or test when it compiles the template, except inside an
// {% if %} or inline if (a "soft" frame), where it fails only if actually evaluated; loop,
// macro, call and block bodies start a fresh, non-soft frame. We mirror that split: errors
// here at parse time, the rest at render time from ApplyFilter/ApplyTest.
void CheckNames(const Expr* e, bool soft) {
  if (!e) return;
  if (e->kind == Expr::Kind::kCondExpr) soft = true;
  if (!soft && e->kind == Expr::Kind::kFilter && !HasFilter(e->name)) {
    throw TemplateError("no filter named '" + e->name + "'", e->pos);
  }
  if (!soft && e->kind == Expr::Kind::kTest && !HasTest(e->name)) {
    throw TemplateError("no test named '" + e->name + "'", e->pos);
  }
  for (const ExprPtr& arg : e->args) CheckNames(arg.get(), soft);
  for (const auto& kv : e->kwargs) CheckNames(kv.second.get(), soft);
}

void CheckNames(const Body& body, bool soft) {
  for (const NodePtr& n : body) {
    switch (n->kind) {
      case Node::Kind::kIf:
        for (const auto& [cond, branch] : n->branches) {
          CheckNames(cond.get(), true);
          CheckNames(branch, true);
        }
        break;
      case Node::Kind::kFor:
        CheckNames(n->expr.get(), soft);
        CheckNames(n->filter.get(), false);
        CheckNames(n->body, false);
        CheckNames(n->else_body, false);
        break;
      case Node::Kind::kMacro:
      case Node::Kind::kCallBlock:
        for (const MacroParam& p : n->params) CheckNames(p.default_value.get(), false);
        CheckNames(n->expr.get(), soft);
        CheckNames(n->body, false);
        break;
      case Node::Kind::kSetBlock:
      case Node::Kind::kFilterBlock:
        CheckNames(n->filter.get(), soft);
        CheckNames(n->expr.get(), soft);
        CheckNames(n->body, false);
        break;
      case Node::Kind::kScope:  // transformers' {% generation %} is a call block
        CheckNames(n->body, false);
        break;
      default:
        CheckNames(n->expr.get(), soft);
        break;
    }
  }
}

}  // namespace

Body Parse(const std::string& source) {
  TokenState state{Lex(source), 0, 0};
  Body body = Parser(&state).ParseTemplate();
  CheckNames(body, /*soft=*/false);
  return body;
}

}  // namespace vllm::jinja
