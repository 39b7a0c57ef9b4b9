// Python's printf-style string formatting, `"%s: %d" % (a, b)`, and jinja2's `format` filter
// built on it. Supports %(name)s mapping keys, flags "-+ 0#", width, precision and the
// conversions s r a d i u f F e E g G x X o c %. Width and precision are capped at 4096 (a
// deliberate bound on output size; Python has none).
#pragma once

#include <string>

#include "chat_template/value.h"

namespace vllm::jinja {

// `args` is a tuple/list of values, a dict (for %(name)s), or a single value.
std::string PercentFormat(const std::string& fmt, const Value& args);

}  // namespace vllm::jinja
