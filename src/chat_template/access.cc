// Attribute/item/slice access, iteration and argument binding (see builtins.h).
#include <algorithm>

#include "chat_template/builtins.h"
#include "chat_template/error.h"
#include "chat_template/operators.h"
#include "chat_template/string_methods.h"
#include "chat_template/utf8.h"

namespace vllm::jinja {
namespace {

// jinja2's object_type_repr: how error hints name an object's type.
std::string ObjectTypeRepr(const Value& v) {
  if (v.is_none()) return "None";
  return v.TypeName() + " object";
}

Value NoAttribute(const Value& obj, const std::string& name) {
  std::string hint(1, '\'');
  hint.append(ObjectTypeRepr(obj)).append("' has no attribute '").append(name).append("'");
  return Value::MakeUndefined(std::move(hint));
}

Value DictMethod(const Value& obj, const std::string& name) {
  if (name == "get") {
    return Value::MakeFunction("dict.get", [obj](CallArgs& args) {
      auto a = BindArgs("dict.get", args, {"key", "default"}, 1);
      const Value* v = a[0]->is_string() ? obj.as_dict().Find(a[0]->as_string()) : nullptr;
      if (v) return *v;
      return a[1] ? *a[1] : Value::None();
    });
  }
  if (name == "items" || name == "keys" || name == "values") {
    return Value::MakeFunction("dict." + name, [obj, name](CallArgs& args) {
      BindArgs("dict." + name, args, {});
      Value::List out;
      for (const auto& [k, v] : obj.as_dict().items) {
        if (name == "items") out.push_back(Value::Tuple({Value(k), v}));
        else if (name == "keys") out.push_back(Value(k));
        else out.push_back(v);
      }
      return Value(std::move(out));
    });
  }
  if (name == "copy") {
    return Value::MakeFunction("dict.copy", [obj](CallArgs& args) {
      BindArgs("dict.copy", args, {});
      return obj;
    });
  }
  if (name == "pop" || name == "popitem" || name == "update" || name == "clear" || name == "setdefault") {
    // ImmutableSandboxedEnvironment refuses mutating methods.
    return Value::MakeUndefined("access to attribute '" + name + "' of 'dict' object is unsafe.");
  }
  return Value();
}

// Python's slice.indices(): clamps start/stop for a sequence of length n.
void SliceIndices(int64_t n, const Value* start, const Value* stop, int64_t step, int64_t* out_start,
                  int64_t* out_stop) {
  auto as_index = [](const Value* v) -> std::optional<int64_t> {
    if (!v || v->is_none()) return std::nullopt;
    if (!v->is_int() && !v->is_bool()) Fail("slice indices must be integers or None");
    return v->as_int();
  };
  auto adjust = [&](std::optional<int64_t> idx, int64_t dflt_pos, int64_t dflt_neg) -> int64_t {
    if (!idx) return step > 0 ? dflt_pos : dflt_neg;
    int64_t i = *idx;
    if (i < 0) {
      i += n;
      if (i < 0) i = step < 0 ? -1 : 0;
    } else if (i >= n) {
      i = step < 0 ? n - 1 : n;
    }
    return i;
  };
  *out_start = adjust(as_index(start), 0, n - 1);
  *out_stop = adjust(as_index(stop), n, -1);
}

}  // namespace

std::vector<std::optional<Value>> BindArgs(const std::string& fn, const CallArgs& args,
                                           std::initializer_list<const char*> params, size_t num_required) {
  std::vector<std::optional<Value>> out(params.size());
  if (args.positional.size() > params.size()) {
    Fail(fn + " takes at most " + std::to_string(params.size()) + " argument(s), got " +
         std::to_string(args.positional.size()));
  }
  for (size_t i = 0; i < args.positional.size(); ++i) out[i] = args.positional[i];
  for (const auto& [key, value] : args.keyword) {
    size_t idx = 0;
    for (const char* p : params) {
      if (key == p) break;
      ++idx;
    }
    if (idx == params.size()) Fail(fn + " got an unexpected keyword argument '" + key + "'");
    if (out[idx]) Fail(fn + " got multiple values for argument '" + key + "'");
    out[idx] = value;
  }
  for (size_t i = 0; i < num_required; ++i) {
    if (!out[i]) Fail(fn + " missing required argument '" + std::string(params.begin()[i]) + "'");
  }
  return out;
}

Value GetAttr(const Value& obj, const std::string& name) {
  switch (obj.kind()) {
    case Value::Kind::kUndefined:
      ThrowUndefined(obj);
    case Value::Kind::kDict: {
      Value method = DictMethod(obj, name);
      if (!method.is_undefined() || !method.undefined_hint().empty()) return method;
      const Value* v = obj.as_dict().Find(name);
      return v ? *v : NoAttribute(obj, name);
    }
    case Value::Kind::kString: {
      Value method = StringMethod(obj, name);
      return method.is_undefined() ? NoAttribute(obj, name) : method;
    }
    case Value::Kind::kNamespace: {
      const Value* v = obj.ns().attrs.Find(name);
      return v ? *v : NoAttribute(obj, name);
    }
    default:
      return NoAttribute(obj, name);
  }
}

Value GetPythonAttr(const Value& obj, const std::string& name) {
  if (obj.is_undefined()) ThrowUndefined(obj);
  if (obj.is_dict()) {
    Value method = DictMethod(obj, name);
    if (!method.is_undefined() || !method.undefined_hint().empty()) return method;
    return NoAttribute(obj, name);
  }
  return GetAttr(obj, name);
}

Value GetItem(const Value& obj, const Value& key) {
  switch (obj.kind()) {
    case Value::Kind::kUndefined:
      ThrowUndefined(obj);
    case Value::Kind::kDict:
      if (key.is_string()) {
        const Value* v = obj.as_dict().Find(key.as_string());
        if (v) return *v;
        Value method = DictMethod(obj, key.as_string());
        if (!method.is_undefined()) return method;
        return NoAttribute(obj, key.as_string());
      }
      break;
    case Value::Kind::kList:
    case Value::Kind::kString:
      if (key.is_int() || key.is_bool()) {
        int64_t i = key.as_int();
        if (obj.is_list()) {
          int64_t n = static_cast<int64_t>(obj.as_list().size());
          if (i < 0) i += n;
          if (i >= 0 && i < n) return obj.as_list()[i];
        } else {
          std::u32string s = DecodeUtf8(obj.as_string());
          int64_t n = static_cast<int64_t>(s.size());
          if (i < 0) i += n;
          if (i >= 0 && i < n) return Value(EncodeUtf8(s.substr(i, 1)));
        }
        return Value::MakeUndefined(obj.TypeName() + " object has no element " + std::to_string(key.as_int()));
      }
      if (key.is_string()) return GetAttr(obj, key.as_string());
      break;
    case Value::Kind::kNamespace:
      if (key.is_string()) return GetAttr(obj, key.as_string());
      break;
    default:
      break;
  }
  if (key.is_string()) return NoAttribute(obj, key.as_string());
  std::string hint(1, '\'');
  hint.append(ObjectTypeRepr(obj)).append("' has no item ").append(key.TypeName());
  return Value::MakeUndefined(std::move(hint));
}

Value GetSlice(const Value& obj, const Value* start, const Value* stop, const Value* step_value) {
  if (obj.is_undefined()) ThrowUndefined(obj);
  int64_t step = 1;
  if (step_value && !step_value->is_none()) {
    if (!step_value->is_int()) Fail("slice indices must be integers or None");
    step = step_value->as_int();
    if (step == 0) Fail("slice step cannot be zero");
  }
  auto pick = [&](int64_t n, auto&& take) {
    int64_t b, e;
    SliceIndices(n, start, stop, step, &b, &e);
    if (step > 0) {
      for (int64_t i = b; i < e; i += step) take(i);
    } else {
      for (int64_t i = b; i > e; i += step) take(i);
    }
  };
  if (obj.is_list()) {
    Value::List out;
    const auto& list = obj.as_list();
    pick(static_cast<int64_t>(list.size()), [&](int64_t i) { out.push_back(list[i]); });
    return Value(std::move(out));
  }
  if (obj.is_string()) {
    std::u32string s = DecodeUtf8(obj.as_string());
    std::u32string out;
    pick(static_cast<int64_t>(s.size()), [&](int64_t i) { out.push_back(s[i]); });
    return Value(EncodeUtf8(out));
  }
  Fail("'" + obj.TypeName() + "' object is not subscriptable");
}

std::vector<Value> Iterate(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kList:
      return v.as_list();
    case Value::Kind::kString: {
      std::vector<Value> out;
      for (char32_t cp : DecodeUtf8(v.as_string())) out.push_back(Value(EncodeUtf8(std::u32string(1, cp))));
      return out;
    }
    case Value::Kind::kDict: {
      std::vector<Value> out;
      for (const auto& kv : v.as_dict().items) out.push_back(Value(kv.first));
      return out;
    }
    case Value::Kind::kUndefined:
      return {};
    default:
      Fail("'" + v.TypeName() + "' object is not iterable");
  }
}

}  // namespace vllm::jinja
