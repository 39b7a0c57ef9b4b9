// jinja2's filters as chat templates use them: tojson (transformers' version), trim, length,
// count, string, lower, upper, title, capitalize, replace, join, default/d, first, last,
// items, list, selectattr, rejectattr, select, reject, map, reverse, int, float, safe, abs,
// round, unique, sort, dictsort, indent, min, max, sum, wordcount, attr, center.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "chat_template/builtins.h"
#include "chat_template/error.h"
#include "chat_template/json_dump.h"
#include "chat_template/operators.h"
#include "chat_template/py_format.h"
#include "chat_template/string_methods.h"
#include "chat_template/utf8.h"

namespace vllm::jinja {
namespace {

const char* const kFilters[] = {"tojson", "trim",    "length",     "count",      "string",   "lower",   "upper",
                                "title",  "capitalize", "replace", "join",       "default",  "d",       "first",
                                "last",   "items",   "list",       "selectattr", "rejectattr", "select", "reject",
                                "map",    "reverse", "int",        "float",      "safe",     "abs",     "round",
                                "unique", "sort",    "indent",     "min",        "max",      "sum",     "wordcount",
                                "dictsort", "attr",   "center"};

// jinja2's make_attrgetter: "a.b.0" walks items/attributes one dotted part at a time.
Value GetAttrPath(const Value& item, const std::string& path) {
  Value cur = item;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    bool numeric = !part.empty() && part.find_first_not_of("0123456789") == std::string::npos;
    cur = numeric ? GetItem(cur, Value(static_cast<int64_t>(std::stoll(part)))) : GetItem(cur, Value(part));
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
}

// select/reject/selectattr/rejectattr: args after the attribute are (test_name, test args...).
Value SelectOrReject(const Value& seq, const CallArgs& args, bool by_attr, bool keep_if, const std::string& fn) {
  size_t i = 0;
  std::string attr;
  if (by_attr) {
    if (args.positional.empty() || !args.positional[0].is_string()) Fail(fn + " needs an attribute name");
    attr = args.positional[0].as_string();
    i = 1;
  }
  std::string test;
  CallArgs test_args;
  if (i < args.positional.size()) {
    if (!args.positional[i].is_string()) Fail(fn + ": test name must be a string");
    test = args.positional[i].as_string();
    if (!HasTest(test)) Fail(fn + ": no test named '" + test + "'");
    test_args.positional.assign(args.positional.begin() + i + 1, args.positional.end());
    test_args.keyword = args.keyword;
  }
  Value::List out;
  for (const Value& item : Iterate(seq)) {
    Value subject = by_attr ? GetAttrPath(item, attr) : item;
    bool pass = test.empty() ? subject.Truthy() : ApplyTest(test, subject, test_args);
    if (pass == keep_if) out.push_back(item);
  }
  return Value(std::move(out));
}

std::string SoftStr(const Value& v) { return PyStr(v); }

// Python int(str): optional sign, digits with single underscores, surrounding whitespace.
std::optional<int64_t> ParseInt(const std::string& s, int base) {
  std::string t = PyStrip(s, nullptr, true, true);
  std::string digits;
  for (char c : t) {
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

// Sort key for sort/unique/min/max: case-folds strings unless case_sensitive.
Value SortKey(const Value& item, const std::string* attr, bool case_sensitive) {
  Value key = attr ? GetAttrPath(item, *attr) : item;
  if (!case_sensitive && key.is_string()) return Value(PyLower(key.as_string()));
  return key;
}

Value ToJsonFilter(const Value& v, const CallArgs& args) {
  auto a = BindArgs("filter 'tojson'", args, {"ensure_ascii", "indent", "separators", "sort_keys"});
  JsonDumpOptions opts;
  if (a[0]) opts.ensure_ascii = a[0]->Truthy();
  if (a[1] && !a[1]->is_none()) {
    if (a[1]->is_int()) opts.indent = std::string(std::max<int64_t>(0, a[1]->as_int()), ' ');
    else if (a[1]->is_string()) opts.indent = a[1]->as_string();
    else Fail("filter 'tojson': indent must be an int or a string");
  }
  if (a[2] && !a[2]->is_none()) {
    if (!a[2]->is_list() || a[2]->as_list().size() != 2 || !a[2]->as_list()[0].is_string() ||
        !a[2]->as_list()[1].is_string()) {
      Fail("filter 'tojson': separators must be a pair of strings");
    }
    opts.item_separator = a[2]->as_list()[0].as_string();
    opts.key_separator = a[2]->as_list()[1].as_string();
  }
  if (a[3]) opts.sort_keys = a[3]->Truthy();
  return Value(JsonDump(v, opts));
}

Value IndentFilter(const Value& v, const CallArgs& args) {
  auto a = BindArgs("filter 'indent'", args, {"width", "first", "blank"});
  std::string indention = "    ";
  if (a[0]) indention = a[0]->is_string() ? a[0]->as_string() : std::string(std::max<int64_t>(0, a[0]->as_int()), ' ');
  bool first = a[1] && a[1]->Truthy();
  bool blank = a[2] && a[2]->Truthy();
  // jinja2 appends "\n" and then splitlines(), so a trailing newline never adds a line.
  std::string s = SoftStr(v) + "\n";
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t nl = s.find('\n', pos);
    lines.push_back(s.substr(pos, nl - pos));
    pos = nl + 1;
  }
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) {
      out += "\n";
      if (blank || !lines[i].empty()) out += indention;
    }
    out += lines[i];
  }
  if (first) out = indention + out;
  return Value(std::move(out));
}

Value RoundFilter(const Value& v, const CallArgs& args) {
  auto a = BindArgs("filter 'round'", args, {"precision", "method"});
  int64_t precision = a[0] ? a[0]->as_int() : 0;
  std::string method = a[1] ? a[1]->as_string() : "common";
  if (!v.is_number()) Fail("filter 'round' needs a number, got " + v.TypeName());
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
  else Fail("filter 'round': method must be 'common', 'ceil' or 'floor'");
  return Value(x / scale);
}

Value MapFilter(const Value& seq, const CallArgs& args, size_t max_bytes) {
  const Value* attribute = nullptr;
  const Value* dflt = nullptr;
  for (const auto& [k, v] : args.keyword) {
    if (k == "attribute") attribute = &v;
    else if (k == "default") dflt = &v;
  }
  Value::List out;
  if (attribute) {
    if (!attribute->is_string()) Fail("filter 'map': attribute must be a string");
    for (const Value& item : Iterate(seq)) {
      Value v = GetAttrPath(item, attribute->as_string());
      out.push_back(v.is_undefined() && dflt ? *dflt : v);
    }
    return Value(std::move(out));
  }
  if (args.positional.empty() || !args.positional[0].is_string()) Fail("filter 'map' needs a filter name or attribute=");
  std::string filter = args.positional[0].as_string();
  CallArgs rest;
  rest.positional.assign(args.positional.begin() + 1, args.positional.end());
  rest.keyword = args.keyword;
  for (const Value& item : Iterate(seq)) out.push_back(ApplyFilter(filter, item, rest, max_bytes));
  return Value(std::move(out));
}

}  // namespace

bool HasFilter(const std::string& name) {
  for (const char* f : kFilters) {
    if (name == f) return true;
  }
  return false;
}

Value ApplyFilter(const std::string& name, const Value& v, const CallArgs& args, size_t max_bytes) {
  const std::string fn = "filter '" + name + "'";
  if (name == "tojson") return ToJsonFilter(v, args);
  if (name == "safe") {
    BindArgs(fn, args, {});
    return v;
  }
  if (name == "default" || name == "d") {
    auto a = BindArgs(fn, args, {"default_value", "boolean"});
    bool boolean = a[1] && a[1]->Truthy();
    if (v.is_undefined() || (boolean && !v.Truthy())) return a[0] ? *a[0] : Value("");
    return v;
  }
  if (name == "length" || name == "count") {
    BindArgs(fn, args, {});
    return Value(Length(v));
  }
  if (name == "string") {
    BindArgs(fn, args, {});
    return Value(SoftStr(v));
  }
  if (name == "trim") {
    auto a = BindArgs(fn, args, {"chars"});
    const std::string* chars = (a[0] && a[0]->is_string()) ? &a[0]->as_string() : nullptr;
    return Value(PyStrip(SoftStr(v), chars, true, true));
  }
  if (name == "lower" || name == "upper" || name == "capitalize" || name == "title") {
    BindArgs(fn, args, {});
    std::string s = SoftStr(v);
    if (name == "lower") return Value(PyLower(s));
    if (name == "upper") return Value(PyUpper(s));
    if (name == "capitalize") return Value(PyCapitalize(s));
    // jinja2's title: capitalize each piece after runs of -, whitespace, ( { [ <.
    std::u32string u = DecodeUtf8(s);
    std::string out;
    bool word_start = true;
    size_t i = 0;
    while (i < u.size()) {
      char32_t cp = u[i];
      bool sep = cp == '-' || cp == '(' || cp == '{' || cp == '[' || cp == '<' || IsPySpace(cp);
      if (sep) {
        AppendUtf8(cp, &out);
        word_start = true;
      } else {
        std::string one = EncodeUtf8(std::u32string(1, cp));
        out += word_start ? PyUpper(one) : PyLower(one);
        word_start = false;
      }
      ++i;
    }
    return Value(std::move(out));
  }
  if (name == "replace") {
    auto a = BindArgs(fn, args, {"old", "new", "count"}, 2);
    std::string out = PyReplace(SoftStr(v), SoftStr(*a[0]), SoftStr(*a[1]), a[2] && !a[2]->is_none() ? a[2]->as_int() : -1);
    if (out.size() > max_bytes) throw LimitError(fn + ": result exceeds the output size limit");
    return Value(std::move(out));
  }
  if (name == "join") {
    auto a = BindArgs(fn, args, {"d", "attribute"});
    std::string sep = a[0] ? SoftStr(*a[0]) : "";
    std::string out;
    bool first = true;
    for (const Value& item : Iterate(v)) {
      if (!first) out += sep;
      first = false;
      out += SoftStr(a[1] && !a[1]->is_none() ? GetAttrPath(item, SoftStr(*a[1])) : item);
      if (out.size() > max_bytes) throw LimitError(fn + ": result exceeds the output size limit");
    }
    return Value(std::move(out));
  }
  if (name == "first" || name == "last") {
    BindArgs(fn, args, {});
    std::vector<Value> items = Iterate(v);
    if (items.empty()) return Value::MakeUndefined("No " + name + " item, sequence was empty.");
    return name == "first" ? items.front() : items.back();
  }
  if (name == "items") {
    BindArgs(fn, args, {});
    if (v.is_undefined()) return Value(Value::List{});
    if (!v.is_dict()) Fail("filter 'items' needs a mapping, got " + v.TypeName());
    Value::List out;
    for (const auto& [k, item] : v.as_dict().items) out.push_back(Value::Tuple({Value(k), item}));
    return Value(std::move(out));
  }
  if (name == "dictsort") {
    auto a = BindArgs(fn, args, {"case_sensitive", "by", "reverse"});
    if (!v.is_dict()) Fail("filter 'dictsort' needs a mapping, got " + v.TypeName());
    bool case_sensitive = a[0] && a[0]->Truthy();
    std::string by = a[1] ? SoftStr(*a[1]) : "key";
    if (by != "key" && by != "value") Fail("filter 'dictsort': 'by' must be 'key' or 'value'");
    bool reverse = a[2] && a[2]->Truthy();
    std::vector<Value> pairs;
    for (const auto& [k, item] : v.as_dict().items) pairs.push_back(Value::Tuple({Value(k), item}));
    size_t idx = by == "key" ? 0 : 1;
    std::stable_sort(pairs.begin(), pairs.end(), [&](const Value& x, const Value& y) {
      Value kx = SortKey(x.as_list()[idx], nullptr, case_sensitive);
      Value ky = SortKey(y.as_list()[idx], nullptr, case_sensitive);
      return reverse ? Less(ky, kx) : Less(kx, ky);
    });
    return Value(std::move(pairs));
  }
  if (name == "list") {
    BindArgs(fn, args, {});
    return Value(Iterate(v));
  }
  if (name == "reverse") {
    BindArgs(fn, args, {});
    if (v.is_string()) {
      std::u32string u = DecodeUtf8(v.as_string());
      std::reverse(u.begin(), u.end());
      return Value(EncodeUtf8(u));
    }
    std::vector<Value> items = Iterate(v);
    std::reverse(items.begin(), items.end());
    return Value(std::move(items));
  }
  if (name == "selectattr" || name == "rejectattr") return SelectOrReject(v, args, true, name == "selectattr", fn);
  if (name == "select" || name == "reject") return SelectOrReject(v, args, false, name == "select", fn);
  if (name == "map") return MapFilter(v, args, max_bytes);
  if (name == "int") {
    auto a = BindArgs(fn, args, {"default", "base"});
    Value dflt = a[0] ? *a[0] : Value(int64_t{0});
    int base = a[1] ? static_cast<int>(a[1]->as_int()) : 10;
    if (v.is_int() || v.is_bool()) return Value(v.as_int());
    if (v.is_float()) return std::isfinite(v.as_double()) ? Value(static_cast<int64_t>(v.as_double())) : dflt;
    if (v.is_string()) {
      if (auto i = ParseInt(v.as_string(), base)) return Value(*i);
      if (auto d = ParseFloat(v.as_string()); d && std::isfinite(*d)) return Value(static_cast<int64_t>(*d));
    }
    return dflt;
  }
  if (name == "float") {
    auto a = BindArgs(fn, args, {"default"});
    Value dflt = a[0] ? *a[0] : Value(0.0);
    if (v.is_number()) return Value(v.as_double());
    if (v.is_string()) {
      if (auto d = ParseFloat(v.as_string())) return Value(*d);
    }
    return dflt;
  }
  if (name == "abs") {
    BindArgs(fn, args, {});
    if (v.is_int() || v.is_bool()) return Value(v.as_int() < 0 ? -v.as_int() : v.as_int());
    if (v.is_float()) return Value(std::fabs(v.as_double()));
    Fail("bad operand type for abs(): '" + v.TypeName() + "'");
  }
  if (name == "round") return RoundFilter(v, args);
  if (name == "attr") {
    auto a = BindArgs(fn, args, {"name"}, 1);
    return GetPythonAttr(v, SoftStr(*a[0]));
  }
  if (name == "center") {
    auto a = BindArgs(fn, args, {"width"});
    std::string s = SoftStr(v);
    int64_t width = a[0] ? a[0]->as_int() : 80;
    int64_t len = static_cast<int64_t>(Utf8Length(s));
    if (width <= len) return Value(s);
    // Python str.center puts the odd extra space on the left when the width is odd.
    int64_t total = width - len;
    int64_t left = total / 2 + (total & width & 1);
    if (static_cast<size_t>(width) > max_bytes) throw LimitError(fn + ": result exceeds the output size limit");
    return Value(std::string(left, ' ') + s + std::string(total - left, ' '));
  }
  if (name == "indent") return IndentFilter(v, args);
  if (name == "unique" || name == "sort" || name == "min" || name == "max") {
    bool is_sort = name == "sort";
    auto a = is_sort ? BindArgs(fn, args, {"reverse", "case_sensitive", "attribute"})
                     : BindArgs(fn, args, {"case_sensitive", "attribute"});
    size_t off = is_sort ? 1 : 0;
    bool reverse = is_sort && a[0] && a[0]->Truthy();
    bool case_sensitive = a[off] && a[off]->Truthy();
    std::string attr_storage;
    const std::string* attr = nullptr;
    if (a[off + 1] && !a[off + 1]->is_none()) {
      attr_storage = SoftStr(*a[off + 1]);
      attr = &attr_storage;
    }
    std::vector<Value> items = Iterate(v);
    if (name == "unique") {
      Value::List out;
      std::vector<Value> seen;
      for (const Value& item : items) {
        Value key = SortKey(item, attr, case_sensitive);
        bool dup = false;
        for (const Value& s : seen) {
          if (Equal(s, key)) dup = true;
        }
        if (!dup) {
          seen.push_back(key);
          out.push_back(item);
        }
      }
      return Value(std::move(out));
    }
    if (name == "min" || name == "max") {
      if (items.empty()) return Value::MakeUndefined("No " + name + " item, sequence was empty.");
      size_t best = 0;
      for (size_t i = 1; i < items.size(); ++i) {
        bool better = name == "min" ? Less(SortKey(items[i], attr, case_sensitive), SortKey(items[best], attr, case_sensitive))
                                    : Less(SortKey(items[best], attr, case_sensitive), SortKey(items[i], attr, case_sensitive));
        if (better) best = i;
      }
      return items[best];
    }
    std::stable_sort(items.begin(), items.end(), [&](const Value& x, const Value& y) {
      Value kx = SortKey(x, attr, case_sensitive), ky = SortKey(y, attr, case_sensitive);
      return reverse ? Less(ky, kx) : Less(kx, ky);
    });
    return Value(std::move(items));
  }
  if (name == "sum") {
    auto a = BindArgs(fn, args, {"attribute", "start"});
    Value total = a[1] ? *a[1] : Value(int64_t{0});
    for (const Value& item : Iterate(v)) {
      total = BinaryOp("+", total, a[0] && !a[0]->is_none() ? GetAttrPath(item, SoftStr(*a[0])) : item, max_bytes);
    }
    return total;
  }
  if (name == "wordcount") {
    BindArgs(fn, args, {});
    std::string s = SoftStr(v);
    return Value(static_cast<int64_t>(PySplit(s, nullptr, -1, false).size()));
  }
  Fail("no filter named '" + name + "'");
}

}  // namespace vllm::jinja
