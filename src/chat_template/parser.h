// Parser: template source -> syntax tree, following jinja2's grammar. Statements live in
// parser.cc, expressions in expr_parser.cc. Unknown filters and tests are rejected here, as
// jinja2 rejects them when it compiles a template.
#pragma once

#include <string>

#include "chat_template/ast.h"

namespace vllm::jinja {

// Throws TemplateError naming the construct and its line/column.
Body Parse(const std::string& source);

}  // namespace vllm::jinja
