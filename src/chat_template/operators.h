// Python semantics of the binary operators and comparisons a template can use, on Values.
// Type errors read like Python's ("unsupported operand type(s) for +: 'int' and 'str'").
#pragma once

#include <cstddef>
#include <string>

#include "chat_template/value.h"

namespace vllm::jinja {

// Arithmetic and `~`. `max_bytes` caps strings/lists built by + * ~ so a template cannot
// grow memory without bound (throws LimitError beyond it).
Value BinaryOp(const std::string& op, const Value& a, const Value& b, size_t max_bytes);

// Python ==: 1 == 1.0 == True; dicts compare without regard to order; Undefined equals only
// Undefined (jinja2's Undefined.__eq__).
bool Equal(const Value& a, const Value& b);
// Python <; throws TemplateError for unorderable types ('<' between str and int).
bool Less(const Value& a, const Value& b);
bool Compare(const std::string& op, const Value& a, const Value& b);

// Python `needle in haystack` for str (substring), list (element) and dict (key).
bool Contains(const Value& haystack, const Value& needle);

// Python's len(); throws for values without a length.
int64_t Length(const Value& v);

// UndefinedError with jinja2's message for this Undefined.
[[noreturn]] void ThrowUndefined(const Value& v);

}  // namespace vllm::jinja
