// StructuredOutput: the grammar a request's output must follow, as plain data (the API layer
// fills it from response_format / tool_choice / guided_* / structured_outputs; the engine
// compiles it with grammar/GrammarCompiler at admission). Kind kNone = unconstrained.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vllm {

struct StructuredOutput {
  enum class Kind : int8_t {
    kNone,
    kJsonSchema,  // spec: a JSON Schema (text)
    kJsonObject,  // any JSON object; spec unused
    kRegex,       // spec: a regular expression (Rust regex syntax), matched whole
    kChoice,      // choices: the output is exactly one of them
    kLark,        // spec: a grammar in llguidance's Lark dialect
  };
  Kind kind = Kind::kNone;
  std::string spec;
  std::vector<std::string> choices;

  bool active() const { return kind != Kind::kNone; }
};

// llguidance's JSON options ("x-guidance") for schemas that set none: between any two JSON
// tokens at most one space. Free whitespace ([ \t\n\r]+, llguidance's default) lets a weak or
// random model emit whitespace until max_tokens; no whitespace at all ({"a":1}) would mask
// the spaced style real models write ({"a": 1}) and bend their distribution.
inline constexpr const char* kJsonGuidanceOptions = R"({"whitespace_pattern":" "})";

// "json_schema", "regex", ... (error messages, logs).
inline const char* KindName(StructuredOutput::Kind k) {
  switch (k) {
    case StructuredOutput::Kind::kNone: return "none";
    case StructuredOutput::Kind::kJsonSchema: return "json_schema";
    case StructuredOutput::Kind::kJsonObject: return "json_object";
    case StructuredOutput::Kind::kRegex: return "regex";
    case StructuredOutput::Kind::kChoice: return "choice";
    case StructuredOutput::Kind::kLark: return "grammar";
  }
  return "?";
}

}  // namespace vllm
