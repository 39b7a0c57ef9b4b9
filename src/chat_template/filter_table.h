// Internal to the filters: the name -> function table behind ApplyFilter/HasFilter, split by
// what the filters work on (text_filters.cc, sequence_filters.cc).
#pragma once

#include <cstddef>
#include <string>
#include <unordered_map>

#include "chat_template/value.h"

namespace vllm::jinja {

struct FilterCall {
  const std::string& fn;  // "filter 'join'", for messages
  const Value& operand;
  const CallArgs& args;
  size_t max_bytes;  // cap for strings a filter builds
};
using FilterFn = Value (*)(const FilterCall&);
using FilterTable = std::unordered_map<std::string, FilterFn>;

void AddTextFilters(FilterTable* table);
void AddSequenceFilters(FilterTable* table);

// jinja2's make_attrgetter: "a.b.0" walks items/attributes one dotted part at a time.
Value GetAttrPath(const Value& item, const std::string& path);

// Throws LimitError when a built string passes the cap.
void CheckBuiltSize(const FilterCall& c, size_t size);

}  // namespace vllm::jinja
