// Filters on strings and numbers, with jinja2 3.1 semantics: tojson (transformers' version),
// string, trim, lower, upper, capitalize, title, replace, center, indent, wordcount, safe,
// default/d, int, float, abs, round, attr, length/count, format.
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "chat_template/builtins.h"
#include "chat_template/error.h"
#include "chat_template/filter_table.h"
#include "chat_template/json_dump.h"
#include "chat_template/operators.h"
#include "chat_template/percent_format.h"
#include "chat_template/py_format.h"
#include "chat_template/string_methods.h"
#include "chat_template/utf8.h"

namespace vllm::jinja {
namespace {

// Python int(str): optional sign, digits with underscores, surrounding whitespace.
std::optional<int64_t> ParseInt(const std::string& s, int base) {
  std::string digits;
  for (char c : PyStrip(s, nullptr, true, true)) {
    if (c != '_') digits.push_back(c);
  }
  if (digits.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(digits.c_str(), &end, base);
  if (*end != '\0' || errno == ERANGE) return std::nullopt;
  return v;
}

std::optional<double> ParseFloat(const std::string& s) {
  std::string t = PyStrip(s, nullptr, true, true);
  if (t.empty()) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  if (*end != '\0') return std::nullopt;
  return v;
}

Value ToJson(const FilterCall& c) {
  auto a = BindArgs(c.fn, c.args, {"ensure_ascii", "indent", "separators", "sort_keys"});
  JsonDumpOptions opts;
  if (a[0]) opts.ensure_ascii = a[0]->Truthy();
  if (a[1] && !a[1]->is_none()) {
    if (a[1]->is_int()) opts.indent = std::string(std::max<int64_t>(0, a[1]->as_int()), ' ');
    else if (a[1]->is_string()) opts.indent = a[1]->as_string();
    else Fail(c.fn + ": indent must be an int or a string");
  }
  if (a[2] && !a[2]->is_none()) {
    const Value& sep = *a[2];
    if (!sep.is_list() || sep.as_list().size() != 2 || !sep.as_list()[0].is_string() || !sep.as_list()[1].is_string()) {
      Fail(c.fn + ": separators must be a pair of strings");
    }
    opts.item_separator = sep.as_list()[0].as_string();
    opts.key_separator = sep.as_list()[1].as_string();
  }
  if (a[3]) opts.sort_keys = a[3]->Truthy();
  std::string out = JsonDump(c.operand, opts);
  CheckBuiltSize(c, out.size());
  return Value(std::move(out));
}

Value Safe(const FilterCall& c) {
  BindArgs(c.fn, c.args, {});
  return c.operand;
}

Value String(const FilterCall& c) {
  BindArgs(c.fn, c.args, {});
  return Value(PyStr(c.operand));
}

Value Length(const FilterCall& c) {
  BindArgs(c.fn, c.args, {});
  return Value(Length(c.operand));
}

Value Default(const FilterCall& c) {
  auto a = BindArgs(c.fn, c.args, {"default_value", "boolean"});
  bool boolean = a[1] && a[1]->Truthy();
  if (c.operand.is_undefined() || (boolean && !c.operand.Truthy())) return a[0] ? *a[0] : Value("");
  return c.operand;
}

Value Trim(const FilterCall& c) {
  auto a = BindArgs(c.fn, c.args, {"chars"});
  const std::string* chars = (a[0] && a[0]->is_string()) ? &a[0]->as_string() : nullptr;
  return Value(PyStrip(PyStr(c.operand), chars, true, true));
}

Value Lower(const FilterCall& c) {
  BindArgs(c.fn, c.args, {});
  return Value(PyLower(PyStr(c.operand)));
}

Value Upper(const FilterCall& c) {
  BindArgs(c.fn, c.args, {});
  return Value(PyUpper(PyStr(c.operand)));
}

Value Capitalize(const FilterCall& c) {
  BindArgs(c.fn, c.args, {});
  return Value(PyCapitalize(PyStr(c.operand)));
}

// jinja2's title (not str.title): upper-cases the first letter after runs of -, whitespace,
// ( { [ < and lower-cases the rest.
Value Title(const FilterCall& c) {
  BindArgs(c.fn, c.args, {});
  std::string out;
  bool word_start = true;
  for (char32_t cp : DecodeUtf8(PyStr(c.operand))) {
    bool sep = cp == '-' || cp == '(' || cp == '{' || cp == '[' || cp == '<' || IsPySpace(cp);
    if (sep) {
      AppendUtf8(cp, &out);
    } else {
      std::string one = EncodeUtf8(std::u32string(1, cp));
      out += word_start ? PyUpper(one) : PyLower(one);
    }
    word_start = sep;
  }
  return Value(std::move(out));
}

Value Replace(const FilterCall& c) {
  auto a = BindArgs(c.fn, c.args, {"old", "new", "count"}, 2);
  int64_t count = a[2] && !a[2]->is_none() ? a[2]->as_int() : -1;
  std::string out = PyReplace(PyStr(c.operand), PyStr(*a[0]), PyStr(*a[1]), count);
  CheckBuiltSize(c, out.size());
  return Value(std::move(out));
}

Value Center(const FilterCall& c) {
  auto a = BindArgs(c.fn, c.args, {"width"});
  std::string s = PyStr(c.operand);
  int64_t width = a[0] ? a[0]->as_int() : 80;
  int64_t len = static_cast<int64_t>(Utf8Length(s));
  if (width <= len) return Value(s);
  CheckBuiltSize(c, static_cast<size_t>(width));
  // Python's str.center puts the odd extra space on the left only when width is odd.
  int64_t total = width - len;
  int64_t left = total / 2 + (total & width & 1);
  return Value(std::string(left, ' ') + s + std::string(total - left, ' '));
}

// jinja2 appends "\n" and then splitlines(), so a trailing newline never adds a line.
Value Indent(const FilterCall& c) {
  auto a = BindArgs(c.fn, c.args, {"width", "first", "blank"});
  std::string indention = "    ";
  if (a[0]) indention = a[0]->is_string() ? a[0]->as_string() : std::string(std::max<int64_t>(0, a[0]->as_int()), ' ');
  bool first = a[1] && a[1]->Truthy();
  bool blank = a[2] && a[2]->Truthy();
  std::string s = PyStr(c.operand) + "\n";
  std::string out;
  size_t pos = 0;
  for (size_t line = 0; pos < s.size(); ++line) {
    size_t nl = s.find('\n', pos);
    std::string text = s.substr(pos, nl - pos);
    if (line > 0) {
      out += "\n";
      if (blank || !text.empty()) out += indention;
    }
    out += text;
    pos = nl + 1;
    CheckBuiltSize(c, out.size());
  }
  if (first) out = indention + out;
  return Value(std::move(out));
}

Value WordCount(const FilterCall& c) {
  BindArgs(c.fn, c.args, {});
  return Value(static_cast<int64_t>(PySplit(PyStr(c.operand), nullptr, -1, false).size()));
}

Value Int(const FilterCall& c) {
  auto a = BindArgs(c.fn, c.args, {"default", "base"});
  Value dflt = a[0] ? *a[0] : Value(int64_t{0});
  int base = a[1] ? static_cast<int>(a[1]->as_int()) : 10;
  const Value& v = c.operand;
  if (v.is_int() || v.is_bool()) return Value(v.as_int());
  if (v.is_float()) return std::isfinite(v.as_double()) ? Value(static_cast<int64_t>(v.as_double())) : dflt;
  if (v.is_string()) {
    if (auto i = ParseInt(v.as_string(), base)) return Value(*i);
    if (auto d = ParseFloat(v.as_string()); d && std::isfinite(*d)) return Value(static_cast<int64_t>(*d));
  }
  return dflt;
}

Value Float(const FilterCall& c) {
  auto a = BindArgs(c.fn, c.args, {"default"});
  if (c.operand.is_number()) return Value(c.operand.as_double());
  if (c.operand.is_string()) {
    if (auto d = ParseFloat(c.operand.as_string())) return Value(*d);
  }
  return a[0] ? *a[0] : Value(0.0);
}

Value Abs(const FilterCall& c) {
  BindArgs(c.fn, c.args, {});
  const Value& v = c.operand;
  if (v.is_int() || v.is_bool()) return Value(v.as_int() < 0 ? -v.as_int() : v.as_int());
  if (v.is_float()) return Value(std::fabs(v.as_double()));
  Fail("bad operand type for abs(): '" + v.TypeName() + "'");
}

Value Round(const FilterCall& c) {
  auto a = BindArgs(c.fn, c.args, {"precision", "method"});
  int64_t precision = a[0] ? a[0]->as_int() : 0;
  std::string method = a[1] ? PyStr(*a[1]) : "common";
  const Value& v = c.operand;
  if (!v.is_number()) Fail(c.fn + " needs a number, got " + v.TypeName());
  if (method == "common") {
    // Python's round(): an int stays an int with precision 0; floats round their exact binary
    // value half-to-even, which is what glibc's printf does (round(2.675, 2) == 2.67).
    if ((v.is_int() || v.is_bool()) && precision >= 0) return Value(v.as_int());
    if (precision >= 0 && precision < 300) {
      char buf[512];
      std::snprintf(buf, sizeof(buf), "%.*f", static_cast<int>(precision), v.as_double());
      return Value(std::strtod(buf, nullptr));
    }
  }
  double scale = std::pow(10.0, static_cast<double>(precision));
  double x = v.as_double() * scale;
  if (method == "common") x = std::nearbyint(x);
  else if (method == "ceil") x = std::ceil(x);
  else if (method == "floor") x = std::floor(x);
  else Fail(c.fn + ": method must be 'common', 'ceil' or 'floor'");
  return Value(x / scale);
}

// Python getattr without jinja2's item fallback: dict keys are not attributes.
Value Attr(const FilterCall& c) {
  auto a = BindArgs(c.fn, c.args, {"name"}, 1);
  return GetPythonAttr(c.operand, PyStr(*a[0]));
}

// jinja2: soft_str(value) % (kwargs or args); mixing both is an error.
Value Format(const FilterCall& c) {
  if (!c.args.positional.empty() && !c.args.keyword.empty()) {
    Fail(c.fn + ": can't handle positional and keyword arguments at the same time");
  }
  Value args;
  if (!c.args.keyword.empty()) {
    Dict d;
    for (const auto& [k, v] : c.args.keyword) d.Set(k, v);
    args = Value(std::move(d));
  } else {
    args = Value::Tuple(c.args.positional);
  }
  std::string out = PercentFormat(PyStr(c.operand), args);
  CheckBuiltSize(c, out.size());
  return Value(std::move(out));
}

}  // namespace

void AddTextFilters(FilterTable* t) {
  (*t)["format"] = Format;
  (*t)["tojson"] = ToJson;
  (*t)["safe"] = Safe;
  (*t)["string"] = String;
  (*t)["length"] = Length;
  (*t)["count"] = Length;
  (*t)["default"] = Default;
  (*t)["d"] = Default;
  (*t)["trim"] = Trim;
  (*t)["lower"] = Lower;
  (*t)["upper"] = Upper;
  (*t)["capitalize"] = Capitalize;
  (*t)["title"] = Title;
  (*t)["replace"] = Replace;
  (*t)["center"] = Center;
  (*t)["indent"] = Indent;
  (*t)["wordcount"] = WordCount;
  (*t)["int"] = Int;
  (*t)["float"] = Float;
  (*t)["abs"] = Abs;
  (*t)["round"] = Round;
  (*t)["attr"] = Attr;
}

}  // namespace vllm::jinja
