// Interpreter: walks a parsed template (ast.h) against a context and produces the text.
// One Interpreter per render: it holds the per-render counters the limits are checked
// against, so a ChatTemplate can be rendered from many threads at once.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>

#include "chat_template/ast.h"
#include "chat_template/value.h"

namespace vllm::jinja {

struct InterpreterLimits {
  int64_t max_loop_iterations = 0;  // summed over every loop (and range() sizes) in one render
  size_t max_output_bytes = 0;      // caps the output and every string built on the way
  int max_call_depth = 0;           // macro nesting, so recursive macros terminate
  std::optional<std::time_t> now;   // strftime_now's clock; unset = the real clock
};

// Throws TemplateError (with the failing construct's position) on any template failure.
std::string RenderTemplate(const Body& body, const Dict& context, const InterpreterLimits& limits);

}  // namespace vllm::jinja
