#include "grammar/grammar_compiler.h"

#include <nlohmann/json.hpp>
#include <string>

#include "llguidance.h"

namespace vllm {

namespace {

// Compact JSON unless the client chose its own llguidance options.
Result<std::string> CompactSchema(const std::string& schema_text) {
  // ordered_json: the properties keep the schema's order, which is the order they are generated in.
  nlohmann::ordered_json schema = nlohmann::ordered_json::parse(schema_text, nullptr, /*allow_exceptions=*/false);
  if (schema.is_discarded()) return InvalidArgument("the JSON schema is not valid JSON");
  if (schema.is_boolean()) return schema_text;
  if (!schema.is_object()) return InvalidArgument("a JSON schema must be an object or a boolean");
  if (!schema.contains("x-guidance")) schema["x-guidance"] = nlohmann::ordered_json::parse(kJsonGuidanceOptions);
  return schema.dump();
}

Result<std::pair<const char*, std::string>> ToLlg(const StructuredOutput& so) {
  using Kind = StructuredOutput::Kind;
  switch (so.kind) {
    case Kind::kJsonSchema: {
      auto s = CompactSchema(so.spec);
      if (!s.ok()) return s.status();
      return std::pair<const char*, std::string>{"json", std::move(s.value())};
    }
    case Kind::kJsonObject:
      return std::pair<const char*, std::string>{"json", std::string(R"({"type":"object","x-guidance":)") + kJsonGuidanceOptions + "}"};
    case Kind::kRegex:
      return std::pair<const char*, std::string>{"regex", so.spec};
    case Kind::kChoice: {
      std::string g = "start: ";
      for (size_t i = 0; i < so.choices.size(); ++i) {
        if (so.choices[i].empty()) return InvalidArgument("guided_choice: choices must be non-empty strings");
        g += (i ? " | " : "") + nlohmann::json(so.choices[i]).dump();
      }
      return std::pair<const char*, std::string>{"lark", std::move(g)};
    }
    case Kind::kLark:
      return std::pair<const char*, std::string>{"lark", so.spec};
    case Kind::kNone:
      break;
  }
  return InvalidArgument("no constraint to compile");
}

}  // namespace

Result<std::unique_ptr<GrammarMatcher>> CompileGrammar(const GrammarVocab& vocab, const StructuredOutput& so) {
  size_t bytes = so.spec.size();
  for (const std::string& c : so.choices) bytes += c.size();
  if (bytes > kMaxGrammarSpecBytes)
    return InvalidArgument(std::string(KindName(so.kind)) + ": the specification is " + std::to_string(bytes) +
                           " bytes, over the limit of " + std::to_string(kMaxGrammarSpecBytes));
  auto llg = ToLlg(so);
  if (!llg.ok()) return llg.status();
  LlgConstraintInit init;
  llg_constraint_init_set_defaults(&init, vocab.llg());
  init.log_stderr_level = 0;  // errors come back as values, never on stderr
  LlgMatcher* m = llg_new_matcher(&init, llg->first, llg->second.c_str());
  if (llg_matcher_is_error(m)) {
    const char* e = llg_matcher_get_error(m);
    std::string msg = std::string("invalid ") + KindName(so.kind) + ": " + (e ? e : "unknown error");
    llg_free_matcher(m);
    return InvalidArgument(std::move(msg));
  }
  return std::make_unique<GrammarMatcher>(m, &vocab);
}

}  // namespace vllm
