#include "chat_template/value.h"

#include <algorithm>

#include "chat_template/error.h"

namespace vllm::jinja {

const Value* Dict::Find(const std::string& key) const {
  for (const auto& [k, v] : items) {
    if (k == key) return &v;
  }
  return nullptr;
}

void Dict::Set(const std::string& key, Value value) {
  for (auto& [k, v] : items) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  items.emplace_back(key, std::move(value));
}

namespace {

uint16_t DepthOver(int max_child_depth) {
  if (max_child_depth + 1 > Value::kMaxValueDepth) {
    Fail("value nested more than " + std::to_string(Value::kMaxValueDepth) + " levels deep");
  }
  return static_cast<uint16_t>(max_child_depth + 1);
}

}  // namespace

Value::Value(List list) {
  int deepest = 0;
  for (const Value& v : list) deepest = std::max(deepest, v.depth());
  depth_ = DepthOver(deepest);
  v_ = std::make_shared<const List>(std::move(list));
}

Value::Value(Dict dict) {
  int deepest = 0;
  for (const auto& kv : dict.items) deepest = std::max(deepest, kv.second.depth());
  depth_ = DepthOver(deepest);
  v_ = std::make_shared<const Dict>(std::move(dict));
}

Value Value::MakeFunction(std::string name, Function fn) {
  return Value(Storage(std::make_shared<const NamedFunctionData>(
      NamedFunctionData{std::move(name), std::move(fn)})));
}

Value Value::MakeNamespace(Dict attrs) {
  return Value(Storage(std::make_shared<Namespace>(Namespace{std::move(attrs)})));
}

int64_t Value::as_int() const {
  if (is_bool()) return as_bool() ? 1 : 0;
  return std::get<int64_t>(v_);
}

double Value::as_double() const {
  if (is_float()) return std::get<double>(v_);
  return static_cast<double>(as_int());
}

bool Value::Truthy() const {
  switch (kind()) {
    case Kind::kUndefined:
    case Kind::kNone:
      return false;
    case Kind::kBool:
      return as_bool();
    case Kind::kInt:
      return as_int() != 0;
    case Kind::kFloat:
      return as_double() != 0.0;
    case Kind::kString:
      return !as_string().empty();
    case Kind::kList:
      return !as_list().empty();
    case Kind::kDict:
      return !as_dict().items.empty();
    case Kind::kFunction:
    case Kind::kNamespace:
      return true;
  }
  return false;
}

std::string Value::TypeName() const {
  switch (kind()) {
    case Kind::kUndefined: return "Undefined";
    case Kind::kNone: return "NoneType";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kFloat: return "float";
    case Kind::kString: return "str";
    case Kind::kList: return "list";
    case Kind::kDict: return "dict";
    case Kind::kFunction: return "function";
    case Kind::kNamespace: return "Namespace";
  }
  return "?";
}

namespace {

template <typename Json>
Value FromJsonImpl(const Json& j, int depth = 0) {
  if (depth > Value::kMaxValueDepth) Fail("template context nested more than 512 levels deep");
  switch (j.type()) {
    case nlohmann::json::value_t::null:
      return Value::None();
    case nlohmann::json::value_t::boolean:
      return Value(j.template get<bool>());
    case nlohmann::json::value_t::number_integer:
      return Value(j.template get<int64_t>());
    case nlohmann::json::value_t::number_unsigned: {
      uint64_t u = j.template get<uint64_t>();
      // Python ints are unbounded; beyond int64 we keep the magnitude as a float.
      if (u > static_cast<uint64_t>(INT64_MAX)) return Value(static_cast<double>(u));
      return Value(static_cast<int64_t>(u));
    }
    case nlohmann::json::value_t::number_float:
      return Value(j.template get<double>());
    case nlohmann::json::value_t::string:
      return Value(j.template get<std::string>());
    case nlohmann::json::value_t::array: {
      Value::List list;
      list.reserve(j.size());
      for (const auto& item : j) list.push_back(FromJsonImpl(item, depth + 1));
      return Value(std::move(list));
    }
    case nlohmann::json::value_t::object: {
      Dict dict;
      dict.items.reserve(j.size());
      for (auto it = j.begin(); it != j.end(); ++it) {
        dict.items.emplace_back(it.key(), FromJsonImpl(it.value(), depth + 1));
      }
      return Value(std::move(dict));
    }
    case nlohmann::json::value_t::binary:
    case nlohmann::json::value_t::discarded:
      break;
  }
  Fail("unsupported JSON value in template context");
}

}  // namespace

Value FromJson(const nlohmann::ordered_json& j) { return FromJsonImpl(j); }
Value FromJson(const nlohmann::json& j) { return FromJsonImpl(j); }

}  // namespace vllm::jinja
