#include "chat_template/globals.h"

#include "chat_template/builtins.h"
#include "chat_template/error.h"
#include "chat_template/operators.h"

namespace vllm::jinja {
namespace {

// namespace(...) and dict(...): an optional mapping positional, then keywords.
Dict DictFromArgs(const std::string& fn, const CallArgs& args) {
  Dict d;
  if (args.positional.size() > 1) Fail(fn + " takes at most one positional argument");
  if (!args.positional.empty()) {
    const Value& m = args.positional[0];
    if (m.is_undefined()) ThrowUndefined(m);  // dict(Undefined) looks up .keys() and fails
    if (m.is_dict()) {
      d = m.as_dict();
    } else {
      for (const Value& pair : Iterate(m)) {
        std::vector<Value> kv = Iterate(pair);
        if (kv.size() != 2 || !kv[0].is_string()) Fail(fn + ": expected (key, value) pairs with string keys");
        d.Set(kv[0].as_string(), kv[1]);
      }
    }
  }
  for (const auto& [k, v] : args.keyword) d.Set(k, v);
  return d;
}

}  // namespace

std::string StrftimeLocal(const std::string& fmt, std::time_t t) {
  std::tm tm{};
  localtime_r(&t, &tm);
  if (fmt.empty()) return "";
  // strftime returns 0 both for "too small" and for an empty result; grow a few times.
  for (size_t cap = 256; cap <= 65536; cap *= 4) {
    std::string buf(cap, '\0');
    size_t n = std::strftime(buf.data(), buf.size(), fmt.c_str(), &tm);
    if (n > 0) {
      buf.resize(n);
      return buf;
    }
  }
  return "";
}

std::vector<std::pair<std::string, Value>> MakeGlobals(const GlobalsConfig& config) {
  std::vector<std::pair<std::string, Value>> g;
  const int64_t max_range = config.max_range_size;
  g.emplace_back("range", Value::MakeFunction("range", [max_range](CallArgs& args) {
    if (!args.keyword.empty()) Fail("range() takes no keyword arguments");
    std::vector<int64_t> p;
    for (const Value& v : args.positional) {
      if (!v.is_int() && !v.is_bool()) Fail("range() arguments must be integers, got " + v.TypeName());
      p.push_back(v.as_int());
    }
    if (p.empty() || p.size() > 3) Fail("range() takes 1 to 3 arguments");
    int64_t start = p.size() == 1 ? 0 : p[0];
    int64_t stop = p.size() == 1 ? p[0] : p[1];
    int64_t step = p.size() == 3 ? p[2] : 1;
    if (step == 0) Fail("range() arg 3 must not be zero");
    Value::List out;
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
      if (static_cast<int64_t>(out.size()) >= max_range) {
        throw LimitError("range() longer than the loop iteration limit (" + std::to_string(max_range) + ")");
      }
      out.push_back(Value(i));
    }
    return Value(std::move(out));
  }));
  g.emplace_back("namespace", Value::MakeFunction("namespace", [](CallArgs& args) {
    Dict d = DictFromArgs("namespace()", args);
    for (const auto& kv : d.items) {
      // transformers' TemplateNamespace rejects underscore names (sandbox escape guard).
      if (!kv.first.empty() && kv.first[0] == '_') {
        Fail("chat templates cannot store underscore-prefixed attributes on a namespace, but got '" + kv.first + "'");
      }
    }
    return Value::MakeNamespace(std::move(d));
  }));
  g.emplace_back("dict", Value::MakeFunction("dict", [](CallArgs& args) { return Value(DictFromArgs("dict()", args)); }));
  g.emplace_back("raise_exception", Value::MakeFunction("raise_exception", [](CallArgs& args) -> Value {
    auto a = BindArgs("raise_exception", args, {"message"}, 1);
    throw RaisedError(a[0]->is_string() ? a[0]->as_string() : std::string("raise_exception called"));
  }));
  const std::optional<std::time_t> now = config.now;
  g.emplace_back("strftime_now", Value::MakeFunction("strftime_now", [now](CallArgs& args) {
    auto a = BindArgs("strftime_now", args, {"format"}, 1);
    if (!a[0]->is_string()) Fail("strftime_now: format must be a string");
    return Value(StrftimeLocal(a[0]->as_string(), now ? *now : std::time(nullptr)));
  }));
  return g;
}

}  // namespace vllm::jinja
