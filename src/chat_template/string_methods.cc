#include "chat_template/string_methods.h"

#include <utf8proc.h>

#include <unordered_map>

#include "chat_template/builtins.h"
#include "chat_template/error.h"
#include "chat_template/py_format.h"
#include "chat_template/utf8.h"

namespace vllm::jinja {
namespace {

bool IsCased(char32_t cp) {
  auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
  return cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LL || cat == UTF8PROC_CATEGORY_LT;
}
char32_t Lower(char32_t cp) { return static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp))); }
char32_t Upper(char32_t cp) { return static_cast<char32_t>(utf8proc_toupper(static_cast<utf8proc_int32_t>(cp))); }

const std::string& StrArg(const std::optional<Value>& v, const char* fn) {
  if (!v || !v->is_string()) Fail(std::string(fn) + " expects a string argument");
  return v->as_string();
}

// str.format with "{}", "{0}", "{name}" and "{{"/"}}"; format specs are not supported.
std::string PyFormat(const std::string& fmt, const CallArgs& args) {
  std::string out;
  size_t next_auto = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    char c = fmt[i];
    if (c == '}' ) {
      if (i + 1 < fmt.size() && fmt[i + 1] == '}') ++i;
      else Fail("str.format: single '}' encountered in format string");
      out.push_back('}');
      continue;
    }
    if (c != '{') {
      out.push_back(c);
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
      out.push_back('{');
      ++i;
      continue;
    }
    size_t close = fmt.find('}', i);
    if (close == std::string::npos) Fail("str.format: single '{' encountered in format string");
    std::string field = fmt.substr(i + 1, close - i - 1);
    if (field.find_first_of(":!.[") != std::string::npos) Fail("str.format: format specs are not supported");
    const Value* v = nullptr;
    if (field.empty() || std::isdigit(static_cast<unsigned char>(field[0]))) {
      size_t idx = field.empty() ? next_auto++ : std::stoul(field);
      if (idx >= args.positional.size()) Fail("str.format: replacement index " + std::to_string(idx) + " out of range");
      v = &args.positional[idx];
    } else {
      for (const auto& [k, kv] : args.keyword) {
        if (k == field) v = &kv;
      }
      if (!v) Fail("str.format: missing keyword argument '" + field + "'");
    }
    out += PyStr(*v);
    i = close;
  }
  return out;
}

}  // namespace

std::string PyLower(const std::string& s) {
  if (IsAscii(s)) {
    std::string out = s;
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  }
  std::u32string u = DecodeUtf8(s);
  for (char32_t& cp : u) cp = Lower(cp);
  return EncodeUtf8(u);
}

std::string PyUpper(const std::string& s) {
  if (IsAscii(s)) {
    std::string out = s;
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
  }
  std::u32string u = DecodeUtf8(s);
  for (char32_t& cp : u) cp = Upper(cp);
  return EncodeUtf8(u);
}

std::string PyStrip(const std::string& s, const std::string* chars, bool left, bool right) {
  std::u32string u = DecodeUtf8(s);
  std::u32string set = chars ? DecodeUtf8(*chars) : std::u32string();
  auto strip_it = [&](char32_t cp) { return chars ? set.find(cp) != std::u32string::npos : IsPySpace(cp); };
  size_t b = 0, e = u.size();
  if (left) {
    while (b < e && strip_it(u[b])) ++b;
  }
  if (right) {
    while (e > b && strip_it(u[e - 1])) --e;
  }
  return EncodeUtf8(u.substr(b, e - b));
}

std::vector<std::string> PySplit(const std::string& s, const std::string* sep, int64_t max_split, bool from_right) {
  std::vector<std::string> parts;
  if (sep) {
    if (sep->empty()) Fail("empty separator");
    if (!from_right) {
      size_t pos = 0;
      while (max_split < 0 || static_cast<int64_t>(parts.size()) < max_split) {
        size_t hit = s.find(*sep, pos);
        if (hit == std::string::npos) break;
        parts.push_back(s.substr(pos, hit - pos));
        pos = hit + sep->size();
      }
      parts.push_back(s.substr(pos));
    } else {
      size_t end = s.size();
      std::vector<std::string> rev;
      while (max_split < 0 || static_cast<int64_t>(rev.size()) < max_split) {
        if (end < sep->size()) break;
        size_t hit = s.rfind(*sep, end - sep->size());
        if (hit == std::string::npos) break;
        rev.push_back(s.substr(hit + sep->size(), end - hit - sep->size()));
        end = hit;
      }
      rev.push_back(s.substr(0, end));
      parts.assign(rev.rbegin(), rev.rend());
    }
    return parts;
  }
  // Whitespace split: runs of whitespace separate, empty strings are dropped.
  std::u32string u = DecodeUtf8(s);
  if (!from_right) {
    size_t i = 0;
    while (true) {
      while (i < u.size() && IsPySpace(u[i])) ++i;
      if (i >= u.size()) break;
      if (max_split >= 0 && static_cast<int64_t>(parts.size()) == max_split) {
        size_t e = u.size();
        while (e > i && IsPySpace(u[e - 1])) --e;
        parts.push_back(EncodeUtf8(u.substr(i, e - i)));
        break;
      }
      size_t j = i;
      while (j < u.size() && !IsPySpace(u[j])) ++j;
      parts.push_back(EncodeUtf8(u.substr(i, j - i)));
      i = j;
    }
    return parts;
  }
  std::vector<std::string> rev;
  int64_t i = static_cast<int64_t>(u.size());
  while (true) {
    while (i > 0 && IsPySpace(u[i - 1])) --i;
    if (i <= 0) break;
    if (max_split >= 0 && static_cast<int64_t>(rev.size()) == max_split) {
      size_t b = 0;
      while (static_cast<int64_t>(b) < i && IsPySpace(u[b])) ++b;
      rev.push_back(EncodeUtf8(u.substr(b, i - b)));
      break;
    }
    int64_t j = i;
    while (j > 0 && !IsPySpace(u[j - 1])) --j;
    rev.push_back(EncodeUtf8(u.substr(j, i - j)));
    i = j;
  }
  parts.assign(rev.rbegin(), rev.rend());
  return parts;
}

std::string PyReplace(const std::string& s, const std::string& old_sub, const std::string& new_sub, int64_t count) {
  std::string out;
  if (old_sub.empty()) {
    // Python inserts new_sub between every character (and at both ends).
    std::u32string u = DecodeUtf8(s);
    int64_t n = 0;
    for (char32_t cp : u) {
      if (count < 0 || n < count) {
        out += new_sub;
        ++n;
      }
      AppendUtf8(cp, &out);
    }
    if (count < 0 || n < count) out += new_sub;
    return out;
  }
  size_t pos = 0;
  int64_t n = 0;
  while (count < 0 || n < count) {
    size_t hit = s.find(old_sub, pos);
    if (hit == std::string::npos) break;
    out.append(s, pos, hit - pos);
    out += new_sub;
    pos = hit + old_sub.size();
    ++n;
  }
  out.append(s, pos, std::string::npos);
  return out;
}

std::string PyTitle(const std::string& s) {
  std::u32string u = DecodeUtf8(s);
  bool prev_cased = false;
  for (char32_t& cp : u) {
    bool cased = IsCased(cp);
    cp = prev_cased ? Lower(cp) : Upper(cp);
    prev_cased = cased;
  }
  return EncodeUtf8(u);
}

std::string PyCapitalize(const std::string& s) {
  std::u32string u = DecodeUtf8(s);
  for (size_t i = 0; i < u.size(); ++i) u[i] = i == 0 ? Upper(u[i]) : Lower(u[i]);
  return EncodeUtf8(u);
}

namespace {

// One str method: `self` is the string, `name` the method name (for messages and for methods
// that share an implementation).
using StrMethodFn = Value (*)(const std::string& self, const std::string& name, const CallArgs& args);

Value StartsEndsWith(const std::string& s, const std::string& name, const CallArgs& args) {
  auto a = BindArgs("str." + name, args, {"prefix"}, 1);
  std::vector<std::string> options;
  if (a[0]->is_list()) {  // a tuple of candidates
    for (const Value& v : a[0]->as_list()) {
      if (!v.is_string()) Fail("str." + name + " expects strings in its tuple argument");
      options.push_back(v.as_string());
    }
  } else {
    options.push_back(StrArg(a[0], "str.startswith"));
  }
  const bool starts = name == "startswith";
  for (const auto& p : options) {
    if (p.size() > s.size()) continue;
    if (starts ? s.compare(0, p.size(), p) == 0 : s.compare(s.size() - p.size(), p.size(), p) == 0) return Value(true);
  }
  return Value(false);
}

Value Split(const std::string& s, const std::string& name, const CallArgs& args) {
  auto a = BindArgs("str." + name, args, {"sep", "maxsplit"});
  const std::string* sep = (a[0] && !a[0]->is_none()) ? &StrArg(a[0], "str.split") : nullptr;
  int64_t max_split = (a[1] && a[1]->is_int()) ? a[1]->as_int() : -1;
  Value::List out;
  for (auto& p : PySplit(s, sep, max_split, name == "rsplit")) out.push_back(Value(std::move(p)));
  return Value(std::move(out));
}

Value Strip(const std::string& s, const std::string& name, const CallArgs& args) {
  auto a = BindArgs("str." + name, args, {"chars"});
  const std::string* chars = (a[0] && !a[0]->is_none()) ? &StrArg(a[0], "str.strip") : nullptr;
  return Value(PyStrip(s, chars, name != "rstrip", name != "lstrip"));
}

Value Replace(const std::string& s, const std::string&, const CallArgs& args) {
  auto a = BindArgs("str.replace", args, {"old", "new", "count"}, 2);
  int64_t count = a[2] ? a[2]->as_int() : -1;
  return Value(PyReplace(s, StrArg(a[0], "str.replace"), StrArg(a[1], "str.replace"), count));
}

Value ChangeCase(const std::string& s, const std::string& name, const CallArgs& args) {
  BindArgs("str." + name, args, {});
  if (name == "upper") return Value(PyUpper(s));
  if (name == "lower") return Value(PyLower(s));
  if (name == "title") return Value(PyTitle(s));
  return Value(PyCapitalize(s));
}

Value Format(const std::string& s, const std::string&, const CallArgs& args) { return Value(PyFormat(s, args)); }

Value FindOrCount(const std::string& s, const std::string& name, const CallArgs& args) {
  auto a = BindArgs("str." + name, args, {"sub"}, 1);
  const std::string& sub = StrArg(a[0], "str.find");
  if (name == "count") {
    if (sub.empty()) return Value(static_cast<int64_t>(Utf8Length(s) + 1));
    int64_t n = 0;
    for (size_t p = s.find(sub); p != std::string::npos; p = s.find(sub, p + sub.size())) ++n;
    return Value(n);
  }
  size_t p = name == "find" ? s.find(sub) : s.rfind(sub);
  if (p == std::string::npos) return Value(int64_t{-1});
  return Value(static_cast<int64_t>(Utf8Length(s.substr(0, p))));  // index in code points
}

Value Join(const std::string& s, const std::string&, const CallArgs& args) {
  auto a = BindArgs("str.join", args, {"iterable"}, 1);
  std::string out;
  bool first = true;
  for (const Value& v : Iterate(*a[0])) {
    if (!v.is_string()) Fail("str.join: sequence item is " + v.TypeName() + ", expected str");
    if (!first) out += s;
    first = false;
    out += v.as_string();
  }
  return Value(std::move(out));
}

// isdigit/isalpha/isalnum/isspace/islower/isupper, by Unicode category like Python.
Value IsClass(const std::string& s, const std::string& name, const CallArgs& args) {
  BindArgs("str." + name, args, {});
  std::u32string u = DecodeUtf8(s);
  if (u.empty()) return Value(false);
  bool has_cased = false;
  for (char32_t cp : u) {
    auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
    bool alpha = cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO;
    bool digit = cat == UTF8PROC_CATEGORY_ND;
    if (name == "isdigit" && !digit) return Value(false);
    if (name == "isalpha" && !alpha) return Value(false);
    if (name == "isalnum" && !alpha && !digit) return Value(false);
    if (name == "isspace" && !IsPySpace(cp)) return Value(false);
    if (name == "islower" && (cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LT)) return Value(false);
    if (name == "isupper" && (cat == UTF8PROC_CATEGORY_LL || cat == UTF8PROC_CATEGORY_LT)) return Value(false);
    has_cased = has_cased || IsCased(cp);
  }
  if (name == "islower" || name == "isupper") return Value(has_cased);
  return Value(true);
}

const std::unordered_map<std::string, StrMethodFn>& Methods() {
  static const auto* table = new std::unordered_map<std::string, StrMethodFn>{
      {"startswith", StartsEndsWith}, {"endswith", StartsEndsWith}, {"split", Split},   {"rsplit", Split},
      {"strip", Strip},               {"lstrip", Strip},            {"rstrip", Strip},  {"replace", Replace},
      {"upper", ChangeCase},          {"lower", ChangeCase},        {"title", ChangeCase},
      {"capitalize", ChangeCase},     {"format", Format},           {"find", FindOrCount},
      {"rfind", FindOrCount},         {"count", FindOrCount},       {"join", Join},     {"isdigit", IsClass},
      {"isalpha", IsClass},           {"isalnum", IsClass},         {"isspace", IsClass},
      {"islower", IsClass},           {"isupper", IsClass},
  };
  return *table;
}

}  // namespace

Value StringMethod(const Value& self, const std::string& name) {
  auto it = Methods().find(name);
  if (it == Methods().end()) return Value();
  StrMethodFn fn = it->second;
  return Value::MakeFunction("str." + name, [s = self.as_string(), name, fn](CallArgs& args) { return fn(s, name, args); });
}

}  // namespace vllm::jinja
