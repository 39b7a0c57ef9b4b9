// Parser: token stream -> syntax tree, following jinja2's grammar and operator precedence
// (lowest first): inline if, or, and, not, comparisons/in, +/-, ~, * / // %, **, unary -/+,
// then primary with postfix ., [], (), | filter and `is` test.
#pragma once

#include <string>

#include "chat_template/ast.h"

namespace vllm::jinja {

// Throws TemplateError naming the construct and its line/column.
Body Parse(const std::string& source);

}  // namespace vllm::jinja
