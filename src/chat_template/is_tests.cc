// jinja2's tests (`x is name`): defined, undefined, none, boolean, true, false, number,
// integer, float, string, mapping, sequence, iterable, callable, odd, even, divisibleby,
// eq/equalto/==, ne/!=, lt/<, le/<=, gt/>, ge/>=, in, sameas, lower, upper.
#include <cmath>

#include "chat_template/builtins.h"
#include "chat_template/error.h"
#include "chat_template/operators.h"
#include "chat_template/string_methods.h"

namespace vllm::jinja {
namespace {

const char* const kTests[] = {"defined", "undefined", "none",     "boolean",  "true",    "false",  "number",
                              "integer", "float",     "string",   "mapping",  "sequence", "iterable",
                              "callable", "odd",      "even",     "divisibleby", "eq",   "equalto", "==",
                              "ne",      "!=",        "lt",       "<",        "le",      "<=",     "gt",
                              ">",       "ge",        ">=",       "in",       "sameas",  "lower",  "upper"};

int64_t IntOperand(const Value& v, const std::string& test) {
  if (v.is_undefined()) ThrowUndefined(v);
  if (!v.is_int() && !v.is_bool()) Fail("test '" + test + "' needs an integer, got " + v.TypeName());
  return v.as_int();
}

}  // namespace

bool HasTest(const std::string& name) {
  for (const char* t : kTests) {
    if (name == t) return true;
  }
  return false;
}

bool ApplyTest(const std::string& name, const Value& v, const CallArgs& args) {
  static const char* const kNoArgTests[] = {"defined", "undefined", "none", "boolean", "true", "false", "number",
                                            "integer", "float", "string", "mapping", "sequence", "iterable",
                                            "callable", "odd", "even", "lower", "upper"};
  for (const char* t : kNoArgTests) {
    if (name == t) BindArgs("test '" + name + "'", args, {});  // rejects stray arguments
  }
  auto other = [&]() -> Value { return *BindArgs("test '" + name + "'", args, {"other"}, 1)[0]; };
  if (name == "defined") return !v.is_undefined();
  if (name == "undefined") return v.is_undefined();
  if (name == "none") return v.is_none();
  if (name == "boolean") return v.is_bool();
  if (name == "true") return v.is_bool() && v.as_bool();
  if (name == "false") return v.is_bool() && !v.as_bool();
  if (name == "number") return v.is_number();
  if (name == "integer") return v.is_int();
  if (name == "float") return v.is_float();
  if (name == "string") return v.is_string();
  if (name == "mapping") return v.is_dict();
  // Undefined has __len__/__iter__ in jinja2, so it counts as both.
  if (name == "sequence") return v.is_string() || v.is_list() || v.is_dict() || v.is_undefined();
  if (name == "iterable") return v.is_string() || v.is_list() || v.is_dict() || v.is_undefined();
  if (name == "callable") return v.is_function();
  if (name == "odd") return IntOperand(v, name) % 2 != 0;
  if (name == "even") return IntOperand(v, name) % 2 == 0;
  if (name == "divisibleby") {
    auto a = BindArgs("test 'divisibleby'", args, {"num"}, 1);
    int64_t d = IntOperand(*a[0], name);
    if (d == 0) Fail("integer division or modulo by zero");
    return IntOperand(v, name) % d == 0;
  }
  if (name == "eq" || name == "equalto" || name == "==") return Equal(v, other());
  if (name == "ne" || name == "!=") return !Equal(v, other());
  if (name == "lt" || name == "<") return Compare("<", v, other());
  if (name == "le" || name == "<=") return Compare("<=", v, other());
  if (name == "gt" || name == ">") return Compare(">", v, other());
  if (name == "ge" || name == ">=") return Compare(">=", v, other());
  if (name == "in") {
    auto a = BindArgs("test 'in'", args, {"seq"}, 1);
    return Contains(*a[0], v);
  }
  if (name == "sameas") {
    // Python identity: only meaningful for singletons (None/True/False) in templates.
    const Value& o = other();
    if (v.is_none() || o.is_none()) return v.is_none() && o.is_none();
    if (v.is_bool() || o.is_bool()) return v.is_bool() && o.is_bool() && v.as_bool() == o.as_bool();
    return Equal(v, o) && v.kind() == o.kind() && !v.is_list() && !v.is_dict();
  }
  if (name == "lower" || name == "upper") {
    if (!v.is_string()) return false;
    return name == "lower" ? PyLower(v.as_string()) == v.as_string() : PyUpper(v.as_string()) == v.as_string();
  }
  Fail("no test named '" + name + "'");
}

}  // namespace vllm::jinja
