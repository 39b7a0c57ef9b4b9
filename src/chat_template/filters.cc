// Filter dispatch: one table built once from text_filters.cc and sequence_filters.cc.
#include "chat_template/builtins.h"
#include "chat_template/error.h"
#include "chat_template/filter_table.h"

namespace vllm::jinja {
namespace {

const FilterTable& Table() {
  static const FilterTable* table = [] {
    auto* t = new FilterTable();
    AddTextFilters(t);
    AddSequenceFilters(t);
    return t;
  }();
  return *table;
}

}  // namespace

Value GetAttrPath(const Value& item, const std::string& path) {
  Value cur = item;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    bool numeric = !part.empty() && part.size() < 18 && part.find_first_not_of("0123456789") == std::string::npos;
    cur = numeric ? GetItem(cur, Value(static_cast<int64_t>(std::stoll(part)))) : GetItem(cur, Value(part));
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
}

void CheckBuiltSize(const FilterCall& c, size_t size) {
  if (size > c.max_bytes) throw LimitError(c.fn + ": result exceeds the output size limit");
}

bool HasFilter(const std::string& name) { return Table().count(name) != 0; }

Value ApplyFilter(const std::string& name, const Value& operand, const CallArgs& args, size_t max_bytes) {
  auto it = Table().find(name);
  if (it == Table().end()) Fail("no filter named '" + name + "'");
  const std::string fn = "filter '" + name + "'";
  return it->second(FilterCall{fn, operand, args, max_bytes});
}

}  // namespace vllm::jinja
