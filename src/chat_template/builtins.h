// The built-in library a template can reach: filters (x|name), tests (x is name), attribute
// and item access (including the str/dict methods jinja2 exposes through Python), and
// iteration. Semantics follow jinja2 3.1 and Python 3; names are listed in each .cc.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "chat_template/value.h"

namespace vllm::jinja {

// Binds call arguments to parameter names like Python: positionals in order, then keywords.
// Throws on unknown keywords, duplicates, too many positionals or missing required ones.
// `fn` names the callee in messages ("filter 'join'").
std::vector<std::optional<Value>> BindArgs(const std::string& fn, const CallArgs& args,
                                           std::initializer_list<const char*> params,
                                           size_t num_required = 0);

// `x|name(args)`. max_bytes caps the size of strings the filter builds.
Value ApplyFilter(const std::string& name, const Value& operand, const CallArgs& args, size_t max_bytes);
bool HasFilter(const std::string& name);

// `x is name(args)`.
bool ApplyTest(const std::string& name, const Value& operand, const CallArgs& args);
bool HasTest(const std::string& name);

// `obj.name`: Python attribute first (str/dict methods as bound callables), then item.
Value GetAttr(const Value& obj, const std::string& name);
// Python getattr only, no item fallback: what the `attr` filter does. Misses give Undefined.
Value GetPythonAttr(const Value& obj, const std::string& name);
// `obj[key]`: item first, then attribute for string keys. Misses give Undefined.
Value GetItem(const Value& obj, const Value& key);
// `obj[start:stop:step]` on lists and strings (null parts = omitted).
Value GetSlice(const Value& obj, const Value* start, const Value* stop, const Value* step);

// What `for x in v` visits: list items, string characters, dict keys; Undefined is empty.
std::vector<Value> Iterate(const Value& v);

// str.lower()/upper() etc. shared by filters and methods.
std::string PyLower(const std::string& s);
std::string PyUpper(const std::string& s);
// Python str.strip/lstrip/rstrip; chars null = whitespace.
std::string PyStrip(const std::string& s, const std::string* chars, bool left, bool right);

}  // namespace vllm::jinja
