// Value: the dynamic type of the chat-template interpreter, modelled on the Python objects
// jinja2 sees when transformers renders a template (str, int, float, bool, None, list, dict)
// plus the template-only kinds (Undefined, callables, namespace()).
//
// Lists and dicts are immutable once built (transformers renders in jinja2's
// ImmutableSandboxedEnvironment, so templates cannot mutate them), which lets copies share
// storage. namespace() objects are the one mutable kind and have reference semantics, as in
// Python. Dict keys are strings and keep insertion order: tojson of a tool schema must list
// keys in the order the caller wrote them, exactly as Python's dict does.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace vllm::jinja {

class Value;

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
};

// Builtins and macros. They report template errors by throwing TemplateError (error.h).
using Function = std::function<Value(CallArgs&)>;

// Insertion-ordered string-keyed map; linear lookup is fine at chat-message sizes.
struct Dict {
  std::vector<std::pair<std::string, Value>> items;
  const Value* Find(const std::string& key) const;
  void Set(const std::string& key, Value value);  // replaces in place or appends
};

struct Namespace {
  Dict attrs;
};

// jinja2's Undefined: prints as "", is falsy, iterates as empty; most other uses raise
// UndefinedError with `hint` ("'x' is undefined", "'dict object' has no attribute 'y'").
struct Undefined {
  std::string hint;
};

class Value {
 public:
  enum class Kind { kUndefined, kNone, kBool, kInt, kFloat, kString, kList, kDict, kFunction, kNamespace };
  using List = std::vector<Value>;

  Value() : v_(Undefined{}) {}
  static Value MakeUndefined(std::string hint) { return Value(Undefined{std::move(hint)}); }
  static Value None() { return Value(std::monostate{}); }
  Value(bool b) : v_(b) {}                       // NOLINT: implicit like Python literals
  Value(int64_t i) : v_(i) {}                    // NOLINT
  Value(int i) : v_(static_cast<int64_t>(i)) {}  // NOLINT
  Value(double d) : v_(d) {}                     // NOLINT
  Value(std::string s) : v_(std::move(s)) {}     // NOLINT
  Value(const char* s) : v_(std::string(s)) {}   // NOLINT
  // Containers record their nesting depth and refuse to nest deeper than kMaxValueDepth
  // (TemplateError), so recursive printing/comparison/destruction stays within the stack
  // even when a loop keeps wrapping a value (`{% set ns.x = [ns.x] %}`).
  static constexpr int kMaxValueDepth = 512;
  Value(List list);  // NOLINT
  // Python tuple: a list that prints as (a, b) and never equals a list. Comes from
  // dict.items(), |items, |dictsort and (a, b) literals.
  static Value Tuple(List items) {
    Value v(std::move(items));
    v.is_tuple_ = true;
    return v;
  }
  Value(Dict dict);  // NOLINT
  static Value MakeFunction(std::string name, Function fn);
  static Value MakeNamespace(Dict attrs);

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_undefined() const { return kind() == Kind::kUndefined; }
  bool is_none() const { return kind() == Kind::kNone; }
  bool is_bool() const { return kind() == Kind::kBool; }
  bool is_int() const { return kind() == Kind::kInt; }
  bool is_float() const { return kind() == Kind::kFloat; }
  bool is_number() const { return is_int() || is_float() || is_bool(); }  // Python: bool is an int
  bool is_string() const { return kind() == Kind::kString; }
  bool is_list() const { return kind() == Kind::kList; }
  bool is_tuple() const { return is_list() && is_tuple_; }
  bool is_dict() const { return kind() == Kind::kDict; }
  bool is_function() const { return kind() == Kind::kFunction; }
  bool is_namespace() const { return kind() == Kind::kNamespace; }

  bool as_bool() const { return std::get<bool>(v_); }
  int64_t as_int() const;  // int or bool
  double as_double() const;  // int, bool or float
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const List& as_list() const { return *std::get<std::shared_ptr<const List>>(v_); }
  const Dict& as_dict() const { return *std::get<std::shared_ptr<const Dict>>(v_); }
  const std::string& undefined_hint() const { return std::get<Undefined>(v_).hint; }
  const std::string& function_name() const { return std::get<NamedFunction>(v_)->name; }
  const Function& function() const { return std::get<NamedFunction>(v_)->fn; }
  Namespace& ns() const { return *std::get<std::shared_ptr<Namespace>>(v_); }

  int depth() const { return depth_; }

  // Python truthiness (Undefined is falsy).
  bool Truthy() const;
  // Python's type name as jinja2 error messages show it ("dict", "str", "NoneType").
  std::string TypeName() const;

 private:
  struct NamedFunctionData {
    std::string name;
    Function fn;
  };
  using NamedFunction = std::shared_ptr<const NamedFunctionData>;
  using Storage = std::variant<Undefined, std::monostate, bool, int64_t, double, std::string,
                               std::shared_ptr<const List>, std::shared_ptr<const Dict>,
                               NamedFunction, std::shared_ptr<Namespace>>;
  explicit Value(Storage v) : v_(std::move(v)) {}
  Storage v_;
  bool is_tuple_ = false;
  uint16_t depth_ = 0;  // 0 for scalars; 1 + deepest child for lists and dicts
};

// JSON → Value. ordered_json keeps the caller's key order (what the server passes);
// plain nlohmann::json stores objects sorted by key, so that order is what templates see.
Value FromJson(const nlohmann::ordered_json& j);
Value FromJson(const nlohmann::json& j);

}  // namespace vllm::jinja
