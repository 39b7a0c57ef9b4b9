// Python str methods reachable from templates ("{{ s.strip() }}", "s.split('\n')"), and the
// string helpers filters share with them.
#pragma once

#include <string>
#include <vector>

#include "chat_template/value.h"

namespace vllm::jinja {

// Bound method `s.name`, or a plain Undefined (empty hint) when str has no such method.
Value StringMethod(const Value& s, const std::string& name);

// Python str.split / rsplit; sep null = runs of whitespace.
std::vector<std::string> PySplit(const std::string& s, const std::string* sep, int64_t max_split, bool from_right);
std::string PyReplace(const std::string& s, const std::string& old_sub, const std::string& new_sub, int64_t count);
// Python str.title() and str.capitalize().
std::string PyTitle(const std::string& s);
std::string PyCapitalize(const std::string& s);

}  // namespace vllm::jinja
