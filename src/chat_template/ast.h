// Syntax tree of a parsed template. Two node types, each one struct with a kind tag rather
// than a class per construct: the interpreter is a switch over kinds, and the child layout of
// every kind is listed right here.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chat_template/error.h"
#include "chat_template/value.h"

namespace vllm::jinja {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  enum class Kind {
    kLiteral,   // literal
    kName,      // name
    kList,      // args = items; `is_tuple` for a (parenthesized, literal)
    kDict,      // args = key0, value0, key1, value1, ...
    kGetAttr,   // args[0] . name
    kGetItem,   // args[0] [ args[1] ]
    kSlice,     // args[0] [ args[1] : args[2] : args[3] ]  (each of 1..3 may be null)
    kCall,      // args[0] ( args[1..], kwargs )
    kFilter,    // args[0] | name ( args[1..], kwargs ); args[0] null inside {% filter %}
    kTest,      // args[0] is [not] name ( args[1..] ); `negated` for "is not"
    kUnary,     // name in {"-", "+", "not"}; args[0]
    kBinary,    // name = operator ("+", "~", "and", "or", ...); args[0], args[1]
    kCompare,   // args[0] ops[0] args[1] ops[1] args[2] ...: Python chain (a < b < c), ops in
                // {"==", "!=", "<", ">", "<=", ">=", "in", "not in"}
    kCondExpr,  // args[1] if args[0] else args[2]  (args[2] null: Undefined when false)
  };
  Kind kind;
  SourcePos pos;
  std::string name;
  Value literal;
  bool negated = false;
  bool is_tuple = false;
  std::vector<ExprPtr> args;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  std::vector<std::string> ops;  // kCompare only
};

struct Node;
using NodePtr = std::unique_ptr<Node>;
using Body = std::vector<NodePtr>;

struct MacroParam {
  std::string name;
  ExprPtr default_value;  // null: required
};

struct Node {
  enum class Kind {
    kText,         // text
    kOutput,       // {{ expr }}
    kIf,           // branches: (condition, body)...; a final else has a null condition
    kFor,          // for targets in expr [if filter] body [else else_body]
    kSet,          // set targets = expr; or set target_object.target_attr = expr
    kSetBlock,     // {% set targets[0] %}body{% endset %}
    kMacro,        // macro name(params) body
    kCallBlock,    // {% call(params) expr %}body{% endcall %}: body becomes `caller`
    kFilterBlock,  // {% filter expr %}body{% endfilter %}: expr is a kFilter with null operand
    kScope,        // body with no behaviour of its own ({% generation %} from transformers)
    kBreak,
    kContinue,
  };
  Kind kind;
  SourcePos pos;
  std::string text;
  ExprPtr expr;
  ExprPtr filter;
  std::vector<std::string> targets;
  std::string target_attr;  // non-empty for `set ns.attr = ...` (targets[0] is the object)
  std::vector<std::pair<ExprPtr, Body>> branches;
  Body body;
  Body else_body;
  std::string name;
  std::vector<MacroParam> params;
};

}  // namespace vllm::jinja
