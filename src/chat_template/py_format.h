// Python's str() and repr() of template values: what `{{ x }}` prints in jinja2
// ("None", "True", "1.5", "['a', 1]", "{'k': 'v'}").
#pragma once

#include <string>

#include "chat_template/value.h"

namespace vllm::jinja {

// float.__repr__: shortest round-trip digits, scientific outside 1e-4 <= |x| < 1e16.
std::string PyFloatRepr(double d);
// str(x); Undefined prints as "".
std::string PyStr(const Value& v);
std::string PyRepr(const Value& v);
std::string PyStringRepr(const std::string& s);

}  // namespace vllm::jinja
