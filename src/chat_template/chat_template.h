// Chat templates: a Jinja interpreter that renders Hugging Face chat templates exactly as
// transformers' apply_chat_template(..., tokenize=False) does (jinja2 3.1 in an immutable
// sandbox, trim_blocks + lstrip_blocks, autoescape off, transformers' tojson,
// raise_exception and strftime_now).
//
// Context: a JSON object whose keys become template variables, typically `messages`, `tools`,
// `add_generation_prompt`, `bos_token`, `eos_token`, `enable_thinking` and any extra kwargs.
// Pass nlohmann::ordered_json (what the server uses): object keys keep the caller's order,
// which tojson reproduces, like Python dicts. A plain nlohmann::json is accepted too, but it
// stores keys sorted, so that sorted order is what the template sees.
//
// Any template failure (syntax error, undefined variable used where jinja2 raises, type error,
// raise_exception(), a limit hit) is an InvalidArgument Status whose message names the
// construct and its "line L, column C"; raise_exception's message is kept verbatim after it.
//
// Undefined follows jinja2's default Undefined exactly (what transformers uses): it prints as
// "", is falsy, iterates as empty, has length 0 and `is defined` false; but attribute/item
// access on it, calling it and arithmetic with it raise "'x' is undefined". A missing key of a
// defined dict (`message.foo`) is Undefined, so `message.foo is defined` works.
//
// Not supported (a template using them fails with a clear error, never silently differs):
// {% include/import/extends/block %}, recursive loops and loop.changed(), macro varargs/kwargs,
// format specs in str.format, the filters batch/slice/groupby/truncate/wordwrap/escape/urlize/
// striptags/pprint/random/xmlattr, non-string dict keys, integers beyond int64. upper/lower use
// 1:1 Unicode case mapping (Python's 'ß'.upper() == 'SS' is not reproduced).
//
// Files: lexer (whitespace rules) -> parser/expr_parser (AST, ast.h) -> interpreter, with the
// value model (value.h), Python formatting (py_format, percent_format, json_dump), operators,
// access (getattr/getitem/slicing), string_methods, filters (text_filters, sequence_filters),
// is_tests, globals. chat_context.h builds the context from request parts like transformers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "util/status.h"

namespace vllm {

struct ChatTemplateOptions {
  // Summed over every loop iteration (and range() element) of one render.
  int64_t max_loop_iterations = 1'000'000;
  // Caps the rendered text and every string built on the way.
  size_t max_output_bytes = 64u << 20;
  // Macro call nesting (recursive macros).
  int max_call_depth = 64;
  // Clock for strftime_now() as seconds since the epoch, rendered in the local time zone like
  // Python's datetime.now(); unset = the real clock. Tests fix it for reproducible dates.
  std::optional<std::time_t> now;
};

namespace jinja {
struct Node;
}

// A parsed template; parse once, render per request. Render is const and thread-safe.
class ChatTemplate {
 public:
  static Result<ChatTemplate> Parse(const std::string& template_source);

  Result<std::string> Render(const nlohmann::ordered_json& context, const ChatTemplateOptions& opts = {}) const;
  Result<std::string> Render(const nlohmann::json& context, const ChatTemplateOptions& opts = {}) const;

  ChatTemplate(ChatTemplate&&) noexcept;
  ChatTemplate& operator=(ChatTemplate&&) noexcept;
  ~ChatTemplate();

 private:
  struct Parsed;
  explicit ChatTemplate(std::unique_ptr<Parsed> parsed);
  std::unique_ptr<Parsed> parsed_;
};

// Parse + render in one call.
Result<std::string> RenderChatTemplate(const std::string& template_source, const nlohmann::ordered_json& context,
                                       const ChatTemplateOptions& opts = {});
Result<std::string> RenderChatTemplate(const std::string& template_source, const nlohmann::json& context,
                                       const ChatTemplateOptions& opts = {});

}  // namespace vllm
