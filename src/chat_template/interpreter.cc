#include "chat_template/interpreter.h"

#include <unordered_map>

#include "chat_template/builtins.h"
#include "chat_template/error.h"
#include "chat_template/globals.h"
#include "chat_template/operators.h"
#include "chat_template/py_format.h"

namespace vllm::jinja {
namespace {

// Variables of one scope. jinja2 opens a scope per loop iteration and per macro call;
// `if` and `set` blocks write into the enclosing one.
struct Frame {
  std::unordered_map<std::string, Value> vars;
  const Frame* parent = nullptr;

  const Value* Find(const std::string& name) const {
    for (const Frame* f = this; f; f = f->parent) {
      auto it = f->vars.find(name);
      if (it != f->vars.end()) return &it->second;
    }
    return nullptr;
  }
};

enum class Flow { kNormal, kBreak, kContinue };

class Interpreter {
 public:
  explicit Interpreter(const InterpreterLimits& limits) : limits_(limits) {}

  std::string Run(const Body& body, const Dict& context) {
    for (auto& [name, value] : MakeGlobals(GlobalsConfig{limits_.max_loop_iterations, limits_.now})) {
      root_.vars[name] = std::move(value);
    }
    for (const auto& [name, value] : context.items) root_.vars[name] = value;
    std::string out;
    ExecBody(body, root_, &out);
    return out;
  }

 private:
  void Append(const std::string& s, std::string* out) {
    out->append(s);
    if (out->size() > limits_.max_output_bytes) {
      throw LimitError("output exceeds the limit of " + std::to_string(limits_.max_output_bytes) + " bytes");
    }
  }

  void CountIteration() {
    if (++num_iterations_ > limits_.max_loop_iterations) {
      throw LimitError("more than " + std::to_string(limits_.max_loop_iterations) + " loop iterations");
    }
  }

  Flow ExecBody(const Body& body, Frame& frame, std::string* out) {
    for (const NodePtr& node : body) {
      Flow flow = Exec(*node, frame, out);
      if (flow != Flow::kNormal) return flow;
    }
    return Flow::kNormal;
  }

  Flow Exec(const Node& node, Frame& frame, std::string* out) {
    try {
      return ExecUnchecked(node, frame, out);
    } catch (TemplateError& e) {
      if (!e.has_pos()) e.set_pos(node.pos);
      throw;
    }
  }

  Flow ExecUnchecked(const Node& node, Frame& frame, std::string* out) {
    switch (node.kind) {
      case Node::Kind::kText:
        Append(node.text, out);
        return Flow::kNormal;
      case Node::Kind::kOutput:
        Append(PyStr(Eval(*node.expr, frame)), out);
        return Flow::kNormal;
      case Node::Kind::kIf:
        for (const auto& [cond, body] : node.branches) {
          if (!cond || Eval(*cond, frame).Truthy()) return ExecBody(body, frame, out);
        }
        return Flow::kNormal;
      case Node::Kind::kFor:
        ExecFor(node, frame, out);
        return Flow::kNormal;
      case Node::Kind::kSet:
        ExecSet(node, Eval(*node.expr, frame), frame);
        return Flow::kNormal;
      case Node::Kind::kSetBlock: {
        std::string captured;
        ExecBody(node.body, frame, &captured);
        Value v(std::move(captured));
        if (node.filter) v = EvalFilterChain(*node.filter, v, frame);
        ExecSet(node, v, frame);
        return Flow::kNormal;
      }
      case Node::Kind::kMacro:
        frame.vars[node.name] = MakeMacro(node, nullptr);
        return Flow::kNormal;
      case Node::Kind::kCallBlock: {
        // The body becomes the `caller` macro, visible to the called macro.
        Value caller = MakeMacro(node, &frame);
        const Expr& call = *node.expr;
        Value callee = Eval(*call.args[0], frame);
        CallArgs args = EvalArgs(call, frame, 1);
        args.keyword.emplace_back("caller", caller);
        Append(PyStr(CallValue(callee, args)), out);
        return Flow::kNormal;
      }
      case Node::Kind::kFilterBlock: {
        std::string captured;
        ExecBody(node.body, frame, &captured);
        Append(PyStr(EvalFilterChain(*node.expr, Value(std::move(captured)), frame)), out);
        return Flow::kNormal;
      }
      case Node::Kind::kScope:
        return ExecBody(node.body, frame, out);
      case Node::Kind::kBreak:
        return Flow::kBreak;
      case Node::Kind::kContinue:
        return Flow::kContinue;
    }
    return Flow::kNormal;
  }

  static void BindTargets(const std::vector<std::string>& targets, const Value& v, Frame& frame) {
    if (targets.size() == 1) {
      frame.vars[targets[0]] = v;
      return;
    }
    std::vector<Value> items = Iterate(v);
    if (items.size() != targets.size()) {
      Fail(std::string(items.size() < targets.size() ? "not enough" : "too many") + " values to unpack (expected " +
           std::to_string(targets.size()) + ", got " + std::to_string(items.size()) + ")");
    }
    for (size_t i = 0; i < items.size(); ++i) frame.vars[targets[i]] = items[i];
  }

  static bool HoldsNamespace(const Value& v, int depth) {
    if (v.is_namespace()) return true;
    if (depth > Value::kMaxValueDepth) return false;
    if (v.is_list()) {
      for (const Value& item : v.as_list()) {
        if (HoldsNamespace(item, depth + 1)) return true;
      }
    } else if (v.is_dict()) {
      for (const auto& kv : v.as_dict().items) {
        if (HoldsNamespace(kv.second, depth + 1)) return true;
      }
    }
    return false;
  }

  void ExecSet(const Node& node, const Value& v, Frame& frame) {
    if (node.target_attr.empty()) {
      BindTargets(node.targets, v, frame);
      return;
    }
    const Value* obj = frame.Find(node.targets[0]);
    if (!obj || !obj->is_namespace()) {
      Fail("cannot assign attribute '" + node.target_attr + "' on '" + node.targets[0] + "': not a namespace()");
    }
    if (HoldsNamespace(v, 0)) {
      // A namespace reachable from itself would make printing and freeing it recurse forever.
      Fail("cannot store a namespace() inside a namespace()");
    }
    if (node.target_attr[0] == '_') {
      // transformers' TemplateNamespace refuses these (sandbox escape guard).
      Fail("chat templates cannot store underscore-prefixed attributes on a namespace, but got '" +
           node.target_attr + "'");
    }
    obj->ns().attrs.Set(node.target_attr, v);
  }

  void ExecFor(const Node& node, Frame& frame, std::string* out) {
    Value iterable = Eval(*node.expr, frame);
    std::vector<Value> items = Iterate(iterable);
    if (node.filter) {
      // jinja2 filters before counting, so loop.length/last see only the kept items.
      std::vector<Value> kept;
      for (Value& item : items) {
        CountIteration();
        Frame f{{}, &frame};
        BindTargets(node.targets, item, f);
        if (Eval(*node.filter, f).Truthy()) kept.push_back(std::move(item));
      }
      items = std::move(kept);
    }
    if (items.empty()) {
      ExecBody(node.else_body, frame, out);
      return;
    }
    const int64_t n = static_cast<int64_t>(items.size());
    for (int64_t i = 0; i < n; ++i) {
      CountIteration();
      Frame f{{}, &frame};
      BindTargets(node.targets, items[i], f);
      f.vars["loop"] = MakeLoop(items, i);
      if (ExecBody(node.body, f, out) == Flow::kBreak) break;
    }
  }

  static Value MakeLoop(const std::vector<Value>& items, int64_t i) {
    const int64_t n = static_cast<int64_t>(items.size());
    Dict loop;
    loop.items.reserve(12);
    loop.items.emplace_back("index", Value(i + 1));
    loop.items.emplace_back("index0", Value(i));
    loop.items.emplace_back("revindex", Value(n - i));
    loop.items.emplace_back("revindex0", Value(n - i - 1));
    loop.items.emplace_back("first", Value(i == 0));
    loop.items.emplace_back("last", Value(i == n - 1));
    loop.items.emplace_back("length", Value(n));
    loop.items.emplace_back("depth", Value(int64_t{1}));
    loop.items.emplace_back("depth0", Value(int64_t{0}));
    loop.items.emplace_back("previtem", i > 0 ? items[i - 1] : Value::MakeUndefined("there is no previous item"));
    loop.items.emplace_back("nextitem", i + 1 < n ? items[i + 1] : Value::MakeUndefined("there is no next item"));
    loop.items.emplace_back("cycle", Value::MakeFunction("loop.cycle", [i](CallArgs& args) {
      if (args.positional.empty()) Fail("loop.cycle needs at least one argument");
      return args.positional[i % static_cast<int64_t>(args.positional.size())];
    }));
    return Value(std::move(loop));
  }

  // A macro (or a call block's `caller`) as a callable value. Macros see the template's
  // globals; `caller` also sees the variables where the call block stands.
  Value MakeMacro(const Node& node, const Frame* enclosing) {
    const Node* n = &node;
    const Frame* parent = enclosing ? enclosing : &root_;
    std::string name = node.kind == Node::Kind::kMacro ? node.name : "caller";
    return Value::MakeFunction(name, [this, n, parent, name](CallArgs& args) {
      if (++call_depth_ > limits_.max_call_depth) {
        --call_depth_;
        throw LimitError("macro calls nested deeper than " + std::to_string(limits_.max_call_depth));
      }
      struct DepthRestore {
        int* d;
        ~DepthRestore() { --*d; }
      } restore{&call_depth_};
      Frame f{{}, parent};
      if (args.positional.size() > n->params.size()) {
        Fail("macro '" + name + "' takes " + std::to_string(n->params.size()) + " argument(s), got " +
             std::to_string(args.positional.size()));
      }
      std::vector<bool> bound(n->params.size(), false);
      for (size_t i = 0; i < args.positional.size(); ++i) {
        f.vars[n->params[i].name] = args.positional[i];
        bound[i] = true;
      }
      for (const auto& [key, value] : args.keyword) {
        size_t i = 0;
        while (i < n->params.size() && n->params[i].name != key) ++i;
        if (i == n->params.size()) {
          if (key == "caller") {
            f.vars["caller"] = value;
            continue;
          }
          Fail("macro '" + name + "' has no parameter named '" + key + "'");
        }
        if (bound[i]) Fail("macro '" + name + "' got multiple values for parameter '" + key + "'");
        f.vars[key] = value;
        bound[i] = true;
      }
      for (size_t i = 0; i < n->params.size(); ++i) {
        if (bound[i]) continue;
        const MacroParam& p = n->params[i];
        // jinja2 leaves a missing parameter without default undefined rather than failing.
        f.vars[p.name] = p.default_value ? Eval(*p.default_value, f)
                                         : Value::MakeUndefined("'" + p.name + "' is undefined");
      }
      std::string out;
      ExecBody(n->body, f, &out);
      return Value(std::move(out));
    });
  }

  CallArgs EvalArgs(const Expr& e, Frame& frame, size_t first) {
    CallArgs args;
    for (size_t i = first; i < e.args.size(); ++i) args.positional.push_back(Eval(*e.args[i], frame));
    for (const auto& [key, value] : e.kwargs) args.keyword.emplace_back(key, Eval(*value, frame));
    return args;
  }

  static Value CallValue(const Value& callee, CallArgs& args) {
    if (callee.is_undefined()) ThrowUndefined(callee);
    if (!callee.is_function()) Fail("'" + callee.TypeName() + "' object is not callable");
    return callee.function()(args);
  }

  // Applies a filter chain whose innermost operand is null (set/filter blocks) to `input`.
  Value EvalFilterChain(const Expr& e, const Value& input, Frame& frame) {
    Value operand = e.args[0] ? EvalFilterChain(*e.args[0], input, frame) : input;
    CallArgs args = EvalArgs(e, frame, 1);
    return ApplyFilter(e.name, operand, args, limits_.max_output_bytes);
  }

  Value Eval(const Expr& e, Frame& frame) {
    try {
      return EvalUnchecked(e, frame);
    } catch (TemplateError& err) {
      if (!err.has_pos()) err.set_pos(e.pos);
      throw;
    }
  }

  Value EvalUnchecked(const Expr& e, Frame& frame) {
    switch (e.kind) {
      case Expr::Kind::kLiteral:
        return e.literal;
      case Expr::Kind::kName: {
        const Value* v = frame.Find(e.name);
        return v ? *v : Value::MakeUndefined("'" + e.name + "' is undefined");
      }
      case Expr::Kind::kList: {
        Value::List items;
        for (const ExprPtr& item : e.args) items.push_back(Eval(*item, frame));
        return e.is_tuple ? Value::Tuple(std::move(items)) : Value(std::move(items));
      }
      case Expr::Kind::kDict: {
        Dict dict;
        for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
          Value key = Eval(*e.args[i], frame);
          if (!key.is_string()) Fail("dict literal keys must be strings, got " + key.TypeName());
          dict.Set(key.as_string(), Eval(*e.args[i + 1], frame));
        }
        return Value(std::move(dict));
      }
      case Expr::Kind::kGetAttr:
        return GetAttr(Eval(*e.args[0], frame), e.name);
      case Expr::Kind::kGetItem:
        return GetItem(Eval(*e.args[0], frame), Eval(*e.args[1], frame));
      case Expr::Kind::kSlice: {
        Value obj = Eval(*e.args[0], frame);
        Value parts[3];
        const Value* ptrs[3] = {nullptr, nullptr, nullptr};
        for (int k = 0; k < 3; ++k) {
          if (e.args[k + 1]) {
            parts[k] = Eval(*e.args[k + 1], frame);
            ptrs[k] = &parts[k];
          }
        }
        return GetSlice(obj, ptrs[0], ptrs[1], ptrs[2]);
      }
      case Expr::Kind::kCall: {
        Value callee = Eval(*e.args[0], frame);
        CallArgs args = EvalArgs(e, frame, 1);
        return CallValue(callee, args);
      }
      case Expr::Kind::kFilter: {
        Value operand = Eval(*e.args[0], frame);
        CallArgs args = EvalArgs(e, frame, 1);
        return ApplyFilter(e.name, operand, args, limits_.max_output_bytes);
      }
      case Expr::Kind::kTest: {
        Value operand = Eval(*e.args[0], frame);
        CallArgs args = EvalArgs(e, frame, 1);
        return Value(ApplyTest(e.name, operand, args) != e.negated);
      }
      case Expr::Kind::kUnary: {
        Value v = Eval(*e.args[0], frame);
        if (e.name == "not") return Value(!v.Truthy());
        if (v.is_undefined()) ThrowUndefined(v);
        if (!v.is_number()) Fail("bad operand type for unary " + e.name + ": '" + v.TypeName() + "'");
        if (e.name == "+") return v.is_float() ? v : Value(v.as_int());
        return v.is_float() ? Value(-v.as_double()) : Value(-v.as_int());
      }
      case Expr::Kind::kBinary:
        return EvalBinary(e, frame);
      case Expr::Kind::kCompare: {
        // Python chains: a < b < c is (a < b) and (b < c), b evaluated once.
        Value left = Eval(*e.args[0], frame);
        for (size_t i = 0; i < e.ops.size(); ++i) {
          Value right = Eval(*e.args[i + 1], frame);
          const std::string& op = e.ops[i];
          bool ok = op == "in" ? Contains(right, left) : op == "not in" ? !Contains(right, left) : Compare(op, left, right);
          if (!ok) return Value(false);
          left = std::move(right);
        }
        return Value(true);
      }
      case Expr::Kind::kCondExpr:
        if (Eval(*e.args[0], frame).Truthy()) return Eval(*e.args[1], frame);
        return e.args[2] ? Eval(*e.args[2], frame) : Value::MakeUndefined("inline if without else was false");
    }
    Fail("unknown expression");
  }

  Value EvalBinary(const Expr& e, Frame& frame) {
    const std::string& op = e.name;
    Value a = Eval(*e.args[0], frame);
    // Python's and/or return an operand, not a bool.
    if (op == "and") return a.Truthy() ? Eval(*e.args[1], frame) : a;
    if (op == "or") return a.Truthy() ? a : Eval(*e.args[1], frame);
    return BinaryOp(op, a, Eval(*e.args[1], frame), limits_.max_output_bytes);
  }

  const InterpreterLimits& limits_;
  Frame root_;
  int64_t num_iterations_ = 0;
  int call_depth_ = 0;
};

}  // namespace

std::string RenderTemplate(const Body& body, const Dict& context, const InterpreterLimits& limits) {
  return Interpreter(limits).Run(body, context);
}

}  // namespace vllm::jinja
