#include "chat_template/operators.h"

#include <cmath>

#include "chat_template/error.h"
#include "chat_template/percent_format.h"
#include "chat_template/py_format.h"
#include "chat_template/utf8.h"

namespace vllm::jinja {
namespace {

std::string TypeQuote(const Value& v) {
  std::string out(1, '\'');
  return out.append(v.TypeName()).append(1, '\'');
}

[[noreturn]] void Unsupported(const std::string& op, const Value& a, const Value& b) {
  Fail("unsupported operand type(s) for " + op + ": " + TypeQuote(a) + " and " + TypeQuote(b));
}

void CheckSize(size_t n, size_t max_bytes) {
  if (n > max_bytes) {
    throw LimitError("value exceeds the output size limit of " + std::to_string(max_bytes) + " bytes");
  }
}

bool BothInts(const Value& a, const Value& b) {
  return (a.is_int() || a.is_bool()) && (b.is_int() || b.is_bool());
}

Value Repeat(const Value& seq, int64_t n, size_t max_bytes) {
  if (n < 0) n = 0;
  if (seq.is_string()) {
    CheckSize(seq.as_string().size() * static_cast<size_t>(n), max_bytes);
    std::string out;
    for (int64_t i = 0; i < n; ++i) out += seq.as_string();
    return Value(std::move(out));
  }
  CheckSize(seq.as_list().size() * static_cast<size_t>(n), max_bytes);
  Value::List out;
  for (int64_t i = 0; i < n; ++i) out.insert(out.end(), seq.as_list().begin(), seq.as_list().end());
  return Value(std::move(out));
}

double FloorMod(double a, double b) {
  double m = std::fmod(a, b);
  if (m != 0 && ((m < 0) != (b < 0))) m += b;
  return m;
}

}  // namespace

void ThrowUndefined(const Value& v) {
  Fail(v.undefined_hint().empty() ? std::string("value is undefined") : v.undefined_hint());
}

Value BinaryOp(const std::string& op, const Value& a, const Value& b, size_t max_bytes) {
  if (op == "~") {
    std::string s = PyStr(a) + PyStr(b);
    CheckSize(s.size(), max_bytes);
    return Value(std::move(s));
  }
  if (a.is_undefined()) ThrowUndefined(a);
  if (b.is_undefined()) ThrowUndefined(b);
  if (op == "+") {
    if (BothInts(a, b)) {
      int64_t r;
      if (__builtin_add_overflow(a.as_int(), b.as_int(), &r)) Fail("integer overflow in +");
      return Value(r);
    }
    if (a.is_number() && b.is_number()) return Value(a.as_double() + b.as_double());
    if (a.is_string() && b.is_string()) {
      CheckSize(a.as_string().size() + b.as_string().size(), max_bytes);
      return Value(a.as_string() + b.as_string());
    }
    if (a.is_list() && b.is_list()) {
      CheckSize(a.as_list().size() + b.as_list().size(), max_bytes);
      Value::List out = a.as_list();
      out.insert(out.end(), b.as_list().begin(), b.as_list().end());
      return Value(std::move(out));
    }
    Unsupported(op, a, b);
  }
  if (op == "*") {
    if (BothInts(a, b)) {
      int64_t r;
      if (__builtin_mul_overflow(a.as_int(), b.as_int(), &r)) Fail("integer overflow in *");
      return Value(r);
    }
    if (a.is_number() && b.is_number()) return Value(a.as_double() * b.as_double());
    if ((a.is_string() || a.is_list()) && (b.is_int() || b.is_bool())) return Repeat(a, b.as_int(), max_bytes);
    if ((b.is_string() || b.is_list()) && (a.is_int() || a.is_bool())) return Repeat(b, a.as_int(), max_bytes);
    Unsupported(op, a, b);
  }
  if (!a.is_number() || !b.is_number()) {
    if (op == "%" && a.is_string()) {
      std::string s = PercentFormat(a.as_string(), b);
      CheckSize(s.size(), max_bytes);
      return Value(std::move(s));
    }
    Unsupported(op, a, b);
  }
  if (op == "-") {
    if (BothInts(a, b)) {
      int64_t r;
      if (__builtin_sub_overflow(a.as_int(), b.as_int(), &r)) Fail("integer overflow in -");
      return Value(r);
    }
    return Value(a.as_double() - b.as_double());
  }
  if (op == "/") {
    if (b.as_double() == 0) Fail("division by zero");
    return Value(a.as_double() / b.as_double());
  }
  if (op == "//") {
    if (b.as_double() == 0) Fail("integer division or modulo by zero");
    if (BothInts(a, b)) {
      int64_t x = a.as_int(), y = b.as_int();
      int64_t q = x / y;
      if ((x % y != 0) && ((x < 0) != (y < 0))) --q;
      return Value(q);
    }
    return Value(std::floor(a.as_double() / b.as_double()));
  }
  if (op == "%") {
    if (b.as_double() == 0) Fail("integer division or modulo by zero");
    if (BothInts(a, b)) {
      int64_t x = a.as_int(), y = b.as_int();
      int64_t m = x % y;
      if (m != 0 && ((m < 0) != (y < 0))) m += y;
      return Value(m);
    }
    return Value(FloorMod(a.as_double(), b.as_double()));
  }
  if (op == "**") {
    if (BothInts(a, b) && b.as_int() >= 0) {
      int64_t r = 1;
      for (int64_t i = 0; i < b.as_int(); ++i) {
        if (__builtin_mul_overflow(r, a.as_int(), &r)) Fail("integer overflow in **");
        if (r == 0 || r == 1) break;
      }
      return Value(r);
    }
    return Value(std::pow(a.as_double(), b.as_double()));
  }
  Fail("unknown operator '" + op + "'");
}

bool Equal(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (BothInts(a, b)) return a.as_int() == b.as_int();
    return a.as_double() == b.as_double();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNone:
      return true;
    case Value::Kind::kString:
      return a.as_string() == b.as_string();
    case Value::Kind::kList: {
      const auto& x = a.as_list();
      const auto& y = b.as_list();
      if (a.is_tuple() != b.is_tuple() || x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i) {
        if (!Equal(x[i], y[i])) return false;
      }
      return true;
    }
    case Value::Kind::kDict: {
      const auto& x = a.as_dict();
      const auto& y = b.as_dict();
      if (x.items.size() != y.items.size()) return false;
      for (const auto& [k, v] : x.items) {
        const Value* other = y.Find(k);
        if (!other || !Equal(v, *other)) return false;
      }
      return true;
    }
    case Value::Kind::kFunction:
      return &a.function() == &b.function();
    case Value::Kind::kNamespace:
      return &a.ns() == &b.ns();
    default:
      return false;
  }
}

bool Less(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (BothInts(a, b)) return a.as_int() < b.as_int();
    return a.as_double() < b.as_double();
  }
  if (a.is_string() && b.is_string()) return a.as_string() < b.as_string();  // UTF-8 order = code point order
  if (a.is_list() && b.is_list()) {
    const auto& x = a.as_list();
    const auto& y = b.as_list();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (!Equal(x[i], y[i])) return Less(x[i], y[i]);
    }
    return x.size() < y.size();
  }
  if (a.is_undefined()) ThrowUndefined(a);
  if (b.is_undefined()) ThrowUndefined(b);
  Fail("'<' not supported between instances of " + TypeQuote(a) + " and " + TypeQuote(b));
}

bool Compare(const std::string& op, const Value& a, const Value& b) {
  if (op == "==") return Equal(a, b);
  if (op == "!=") return !Equal(a, b);
  if (op == "<") return Less(a, b);
  if (op == ">") return Less(b, a);
  if (op == "<=") return Less(a, b) || Equal(a, b);
  if (op == ">=") return Less(b, a) || Equal(a, b);
  Fail("unknown comparison '" + op + "'");
}

bool Contains(const Value& haystack, const Value& needle) {
  switch (haystack.kind()) {
    case Value::Kind::kString:
      if (!needle.is_string()) {
        Fail("'in <string>' requires string as left operand, not " + needle.TypeName());
      }
      return haystack.as_string().find(needle.as_string()) != std::string::npos;
    case Value::Kind::kList:
      for (const Value& item : haystack.as_list()) {
        if (Equal(item, needle)) return true;
      }
      return false;
    case Value::Kind::kDict:
      return needle.is_string() && haystack.as_dict().Find(needle.as_string()) != nullptr;
    case Value::Kind::kUndefined:
      return false;  // jinja2's Undefined iterates as empty
    case Value::Kind::kNamespace:
      return needle.is_string() && haystack.ns().attrs.Find(needle.as_string()) != nullptr;
    default:
      Fail("argument of type " + TypeQuote(haystack) + " is not iterable");
  }
}

int64_t Length(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kString:
      return static_cast<int64_t>(Utf8Length(v.as_string()));
    case Value::Kind::kList:
      return static_cast<int64_t>(v.as_list().size());
    case Value::Kind::kDict:
      return static_cast<int64_t>(v.as_dict().items.size());
    case Value::Kind::kUndefined:
      return 0;
    default:
      Fail("object of type " + TypeQuote(v) + " has no len()");
  }
}

}  // namespace vllm::jinja
