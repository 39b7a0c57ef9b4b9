// The request fields that constrain the output, read into one StructuredOutput (the engine
// compiles it; grammar/grammar_compiler.h). Every such field is honoured or answered 400:
//
//   response_format {"type": "json_object"}                        -> json_object
//                   {"type": "json_schema", "json_schema": {"schema", "strict", "name"}}
//                                                                  -> json_schema
//   guided_json (object or JSON text), guided_regex, guided_choice, guided_grammar (vLLM);
//   guided_whitespace_pattern (JSON only), guided_decoding_backend (auto / guidance only)
//   structured_outputs {json | regex | choice | grammar | json_object} (vLLM)
//   output_config.format {"type": "json_schema", "schema"}        (Anthropic)
//   tool_choice "required" / a named function (Anthropic: any / tool)
//        -> a Lark grammar whose sentences are tool calls in the model family's syntax, the
//           arguments constrained by the function's JSON schema
//
// At most one constraint per request: two of them is a 400 naming both.
#pragma once

#include <optional>
#include <string>

#include "api/json_fields.h"
#include "sampler/structured_output.h"
#include "util/status.h"

namespace vllm::api {

// The tool-call text a model family emits, which api/tool_call_parser reads back:
//   kHermes: <tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call> (Qwen, Hermes)
//   kJson:   {"name": ..., "parameters": {...}}  (Llama 3's JSON tool calls)
enum class ToolCallSyntax { kHermes, kJson };

// The syntax a chat template expects: Hermes when it mentions <tool_call>, else JSON.
ToolCallSyntax ToolCallSyntaxOf(const std::string& chat_template);

// response_format, guided_* and structured_outputs of an OpenAI chat or completions body.
// Sets *out (kind kNone when none is given).
Status ReadStructuredOutput(const Json& body, StructuredOutput* out);

// Anthropic's output_config.format ({"type": "json_schema", "schema": {...}}).
Status ReadAnthropicOutputFormat(const Json& body, StructuredOutput* out);

// What tool_choice forces: nothing (auto / none / absent), any tool, or one named tool.
struct ForcedToolChoice {
  bool required = false;      // some tool must be called
  std::string function_name;  // "" = any of the tools
  bool parallel = true;       // more than one call allowed (required only)
};

// Checks the forced choice against the tools: required without tools, or a name that is
// not among them, is InvalidArgument.
Status CheckForcedTool(const ForcedToolChoice& choice, const Json& tools);

// The constraint that makes the output a tool call (or several, when parallel) in `syntax`.
// tools: [{"type": "function", "function": {"name", "parameters"}}].
Result<StructuredOutput> ToolCallConstraint(const ForcedToolChoice& choice, const Json& tools, ToolCallSyntax syntax);

}  // namespace vllm::api
