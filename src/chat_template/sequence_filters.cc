// Filters on lists, dicts and other iterables, with jinja2 3.1 semantics: join, first, last,
// items, list, reverse, select, reject, selectattr, rejectattr, map, sort, dictsort, unique,
// min, max, sum.
#include <algorithm>

#include "chat_template/builtins.h"
#include "chat_template/error.h"
#include "chat_template/filter_table.h"
#include "chat_template/operators.h"
#include "chat_template/py_format.h"
#include "chat_template/utf8.h"

namespace vllm::jinja {
namespace {

// Sort/compare key for sort, unique, min, max: strings fold case unless case_sensitive.
Value SortKey(const Value& item, const std::string* attr, bool case_sensitive) {
  Value key = attr ? GetAttrPath(item, *attr) : item;
  if (!case_sensitive && key.is_string()) return Value(PyLower(key.as_string()));
  return key;
}

// select/reject/selectattr/rejectattr: positional args after the attribute are the test name
// and the test's own arguments; no test means truthiness.
Value Select(const FilterCall& c, bool by_attr, bool keep_if) {
  const auto& pos = c.args.positional;
  size_t i = 0;
  std::string attr;
  if (by_attr) {
    if (pos.empty() || !pos[0].is_string()) Fail(c.fn + " needs an attribute name");
    attr = pos[0].as_string();
    i = 1;
  }
  std::string test;
  CallArgs test_args;
  if (i < pos.size()) {
    if (!pos[i].is_string()) Fail(c.fn + ": test name must be a string");
    test = pos[i].as_string();
    if (!HasTest(test)) Fail(c.fn + ": no test named '" + test + "'");
    test_args.positional.assign(pos.begin() + i + 1, pos.end());
    test_args.keyword = c.args.keyword;
  }
  Value::List out;
  for (const Value& item : Iterate(c.operand)) {
    Value subject = by_attr ? GetAttrPath(item, attr) : item;
    bool pass = test.empty() ? subject.Truthy() : ApplyTest(test, subject, test_args);
    if (pass == keep_if) out.push_back(item);
  }
  return Value(std::move(out));
}

Value SelectAttr(const FilterCall& c) { return Select(c, true, true); }
Value RejectAttr(const FilterCall& c) { return Select(c, true, false); }
Value SelectItems(const FilterCall& c) { return Select(c, false, true); }
Value RejectItems(const FilterCall& c) { return Select(c, false, false); }

// map(attribute='x', default=...) or map('filter', filter args...).
Value Map(const FilterCall& c) {
  const Value* attribute = nullptr;
  const Value* dflt = nullptr;
  for (const auto& [k, v] : c.args.keyword) {
    if (k == "attribute") attribute = &v;
    else if (k == "default") dflt = &v;
  }
  Value::List out;
  if (attribute) {
    if (!attribute->is_string()) Fail(c.fn + ": attribute must be a string");
    for (const Value& item : Iterate(c.operand)) {
      Value v = GetAttrPath(item, attribute->as_string());
      out.push_back(v.is_undefined() && dflt ? *dflt : v);
    }
    return Value(std::move(out));
  }
  if (c.args.positional.empty() || !c.args.positional[0].is_string()) {
    Fail(c.fn + " needs a filter name or attribute=");
  }
  const std::string& filter = c.args.positional[0].as_string();
  CallArgs rest;
  rest.positional.assign(c.args.positional.begin() + 1, c.args.positional.end());
  rest.keyword = c.args.keyword;
  for (const Value& item : Iterate(c.operand)) out.push_back(ApplyFilter(filter, item, rest, c.max_bytes));
  return Value(std::move(out));
}

Value Join(const FilterCall& c) {
  auto a = BindArgs(c.fn, c.args, {"d", "attribute"});
  std::string sep = a[0] ? PyStr(*a[0]) : "";
  const bool by_attr = a[1] && !a[1]->is_none();
  std::string out;
  bool first = true;
  for (const Value& item : Iterate(c.operand)) {
    if (!first) out += sep;
    first = false;
    out += PyStr(by_attr ? GetAttrPath(item, PyStr(*a[1])) : item);
    CheckBuiltSize(c, out.size());
  }
  return Value(std::move(out));
}

Value FirstOrLast(const FilterCall& c, bool first) {
  BindArgs(c.fn, c.args, {});
  std::vector<Value> items = Iterate(c.operand);
  if (items.empty()) return Value::MakeUndefined(std::string("No ") + (first ? "first" : "last") + " item, sequence was empty.");
  return first ? items.front() : items.back();
}
Value First(const FilterCall& c) { return FirstOrLast(c, true); }
Value Last(const FilterCall& c) { return FirstOrLast(c, false); }

Value Items(const FilterCall& c) {
  BindArgs(c.fn, c.args, {});
  if (c.operand.is_undefined()) return Value(Value::List{});
  if (!c.operand.is_dict()) Fail(c.fn + " needs a mapping, got " + c.operand.TypeName());
  Value::List out;
  for (const auto& [k, item] : c.operand.as_dict().items) out.push_back(Value::Tuple({Value(k), item}));
  return Value(std::move(out));
}

Value List(const FilterCall& c) {
  BindArgs(c.fn, c.args, {});
  return Value(Iterate(c.operand));
}

Value Reverse(const FilterCall& c) {
  BindArgs(c.fn, c.args, {});
  if (c.operand.is_string()) {
    std::u32string u = DecodeUtf8(c.operand.as_string());
    std::reverse(u.begin(), u.end());
    return Value(EncodeUtf8(u));
  }
  std::vector<Value> items = Iterate(c.operand);
  std::reverse(items.begin(), items.end());
  return Value(std::move(items));
}

// Optional `attribute=` argument of sort/unique/min/max.
std::optional<std::string> AttrArg(const std::optional<Value>& v) {
  if (!v || v->is_none()) return std::nullopt;
  return PyStr(*v);
}

Value Sort(const FilterCall& c) {
  auto a = BindArgs(c.fn, c.args, {"reverse", "case_sensitive", "attribute"});
  bool reverse = a[0] && a[0]->Truthy();
  bool case_sensitive = a[1] && a[1]->Truthy();
  std::optional<std::string> attr = AttrArg(a[2]);
  std::vector<Value> items = Iterate(c.operand);
  // Stable in both directions, like Python's sorted(reverse=True).
  std::stable_sort(items.begin(), items.end(), [&](const Value& x, const Value& y) {
    Value kx = SortKey(x, attr ? &*attr : nullptr, case_sensitive);
    Value ky = SortKey(y, attr ? &*attr : nullptr, case_sensitive);
    return reverse ? Less(ky, kx) : Less(kx, ky);
  });
  return Value(std::move(items));
}

Value DictSort(const FilterCall& c) {
  auto a = BindArgs(c.fn, c.args, {"case_sensitive", "by", "reverse"});
  if (!c.operand.is_dict()) Fail(c.fn + " needs a mapping, got " + c.operand.TypeName());
  bool case_sensitive = a[0] && a[0]->Truthy();
  std::string by = a[1] ? PyStr(*a[1]) : "key";
  if (by != "key" && by != "value") Fail(c.fn + ": 'by' must be 'key' or 'value'");
  bool reverse = a[2] && a[2]->Truthy();
  std::vector<Value> pairs;
  for (const auto& [k, item] : c.operand.as_dict().items) pairs.push_back(Value::Tuple({Value(k), item}));
  size_t idx = by == "key" ? 0 : 1;
  std::stable_sort(pairs.begin(), pairs.end(), [&](const Value& x, const Value& y) {
    Value kx = SortKey(x.as_list()[idx], nullptr, case_sensitive);
    Value ky = SortKey(y.as_list()[idx], nullptr, case_sensitive);
    return reverse ? Less(ky, kx) : Less(kx, ky);
  });
  return Value(std::move(pairs));
}

Value Unique(const FilterCall& c) {
  auto a = BindArgs(c.fn, c.args, {"case_sensitive", "attribute"});
  bool case_sensitive = a[0] && a[0]->Truthy();
  std::optional<std::string> attr = AttrArg(a[1]);
  Value::List out;
  std::vector<Value> seen;
  for (const Value& item : Iterate(c.operand)) {
    Value key = SortKey(item, attr ? &*attr : nullptr, case_sensitive);
    if (std::none_of(seen.begin(), seen.end(), [&](const Value& s) { return Equal(s, key); })) {
      seen.push_back(key);
      out.push_back(item);
    }
  }
  return Value(std::move(out));
}

Value MinOrMax(const FilterCall& c, bool want_min) {
  auto a = BindArgs(c.fn, c.args, {"case_sensitive", "attribute"});
  bool case_sensitive = a[0] && a[0]->Truthy();
  std::optional<std::string> attr = AttrArg(a[1]);
  std::vector<Value> items = Iterate(c.operand);
  if (items.empty()) return Value::MakeUndefined(std::string("No ") + (want_min ? "min" : "max") + " item, sequence was empty.");
  size_t best = 0;
  for (size_t i = 1; i < items.size(); ++i) {
    Value ki = SortKey(items[i], attr ? &*attr : nullptr, case_sensitive);
    Value kb = SortKey(items[best], attr ? &*attr : nullptr, case_sensitive);
    if (want_min ? Less(ki, kb) : Less(kb, ki)) best = i;
  }
  return items[best];
}
Value Min(const FilterCall& c) { return MinOrMax(c, true); }
Value Max(const FilterCall& c) { return MinOrMax(c, false); }

Value Sum(const FilterCall& c) {
  auto a = BindArgs(c.fn, c.args, {"attribute", "start"});
  Value total = a[1] ? *a[1] : Value(int64_t{0});
  std::optional<std::string> attr = AttrArg(a[0]);
  for (const Value& item : Iterate(c.operand)) {
    total = BinaryOp("+", total, attr ? GetAttrPath(item, *attr) : item, c.max_bytes);
  }
  return total;
}

}  // namespace

void AddSequenceFilters(FilterTable* t) {
  (*t)["join"] = Join;
  (*t)["first"] = First;
  (*t)["last"] = Last;
  (*t)["items"] = Items;
  (*t)["list"] = List;
  (*t)["reverse"] = Reverse;
  (*t)["select"] = SelectItems;
  (*t)["reject"] = RejectItems;
  (*t)["selectattr"] = SelectAttr;
  (*t)["rejectattr"] = RejectAttr;
  (*t)["map"] = Map;
  (*t)["sort"] = Sort;
  (*t)["dictsort"] = DictSort;
  (*t)["unique"] = Unique;
  (*t)["min"] = Min;
  (*t)["max"] = Max;
  (*t)["sum"] = Sum;
}

}  // namespace vllm::jinja
