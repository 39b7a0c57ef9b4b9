#include "api/structured_output_fields.h"

#include <vector>

namespace vllm::api {

namespace {

using Kind = StructuredOutput::Kind;

// One constraint from one field; `field` names it in errors.
struct Found {
  std::string field;
  StructuredOutput so;
};

// A schema given as an object (or a boolean) or as JSON text -> its text.
Result<std::string> SchemaText(const Json& v, const std::string& field) {
  if (v.is_object() || v.is_boolean()) return v.dump();
  if (v.is_string()) {
    Json parsed = Json::parse(v.get<std::string>(), nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded() || !(parsed.is_object() || parsed.is_boolean()))
      return InvalidArgument("'" + field + "' must be a JSON schema (an object, or its JSON text)");
    return parsed.dump();
  }
  return InvalidArgument("'" + field + "' must be a JSON schema (an object, or its JSON text)");
}

Status ReadChoices(const Json& v, const std::string& field, std::vector<std::string>* out) {
  if (!v.is_array() || v.empty()) return InvalidArgument("'" + field + "' must be a non-empty list of strings");
  for (const Json& c : v) {
    if (!c.is_string() || c.get<std::string>().empty())
      return InvalidArgument("'" + field + "' must be a non-empty list of non-empty strings");
    out->push_back(c.get<std::string>());
  }
  return Status::Ok();
}

Status ReadText(const Json& v, const std::string& field, std::string* out) {
  if (!v.is_string() || v.get<std::string>().empty()) return InvalidArgument("'" + field + "' must be a non-empty string");
  *out = v.get<std::string>();
  return Status::Ok();
}

Status ReadResponseFormat(const Json& rf, std::vector<Found>* found) {
  if (!rf.is_object() || !rf.contains("type") || !rf["type"].is_string())
    return InvalidArgument("'response_format' must be an object with a 'type' (text, json_object, json_schema)");
  const std::string type = rf["type"].get<std::string>();
  if (type == "text") return Status::Ok();
  if (type == "json_object") {
    found->push_back({"response_format", {.kind = Kind::kJsonObject, .spec = "", .choices = {}}});
    return Status::Ok();
  }
  if (type != "json_schema") return InvalidArgument("unknown response_format type '" + type + "'");
  if (!rf.contains("json_schema") || !rf["json_schema"].is_object())
    return InvalidArgument("response_format json_schema needs a 'json_schema' object with a 'schema'");
  const Json& js = rf["json_schema"];
  if (js.contains("strict") && !js["strict"].is_boolean() && !js["strict"].is_null())
    return InvalidArgument("'response_format.json_schema.strict' must be a boolean");
  // strict or not, the schema is enforced: decoding cannot leave it either way.
  if (!js.contains("schema")) {
    found->push_back({"response_format", {.kind = Kind::kJsonObject, .spec = "", .choices = {}}});
    return Status::Ok();
  }
  auto text = SchemaText(js["schema"], "response_format.json_schema.schema");
  if (!text.ok()) return text.status();
  found->push_back({"response_format", {.kind = Kind::kJsonSchema, .spec = std::move(text.value()), .choices = {}}});
  return Status::Ok();
}

// guided_json etc. at the top level (prefix "guided_") or inside structured_outputs.
Status ReadGuided(const Json& obj, const std::string& prefix, std::vector<Found>* found) {
  auto key = [&](const char* k) { return prefix + k; };
  if (obj.contains(key("json")) && !obj[key("json")].is_null()) {
    auto text = SchemaText(obj[key("json")], key("json"));
    if (!text.ok()) return text.status();
    found->push_back({key("json"), {.kind = Kind::kJsonSchema, .spec = std::move(text.value()), .choices = {}}});
  }
  if (obj.contains(key("regex")) && !obj[key("regex")].is_null()) {
    Found f{key("regex"), {.kind = Kind::kRegex, .spec = "", .choices = {}}};
    RETURN_IF_ERROR(ReadText(obj[key("regex")], f.field, &f.so.spec));
    found->push_back(std::move(f));
  }
  if (obj.contains(key("choice")) && !obj[key("choice")].is_null()) {
    Found f{key("choice"), {.kind = Kind::kChoice, .spec = "", .choices = {}}};
    RETURN_IF_ERROR(ReadChoices(obj[key("choice")], f.field, &f.so.choices));
    found->push_back(std::move(f));
  }
  if (obj.contains(key("grammar")) && !obj[key("grammar")].is_null()) {
    Found f{key("grammar"), {.kind = Kind::kLark, .spec = "", .choices = {}}};
    RETURN_IF_ERROR(ReadText(obj[key("grammar")], f.field, &f.so.spec));
    found->push_back(std::move(f));
  }
  return Status::Ok();
}

Status OneOf(std::vector<Found> found, StructuredOutput* out) {
  if (found.size() > 1)
    return InvalidArgument("give one output constraint, not both '" + found[0].field + "' and '" + found[1].field + "'");
  *out = found.empty() ? StructuredOutput{} : std::move(found[0].so);
  return Status::Ok();
}

}  // namespace

ToolCallSyntax ToolCallSyntaxOf(const std::string& chat_template) {
  return chat_template.find("<tool_call>") != std::string::npos ? ToolCallSyntax::kHermes : ToolCallSyntax::kJson;
}

Status ReadStructuredOutput(const Json& body, StructuredOutput* out) {
  std::vector<Found> found;
  if (Has(body, "response_format")) RETURN_IF_ERROR(ReadResponseFormat(body.at("response_format"), &found));
  RETURN_IF_ERROR(ReadGuided(body, "guided_", &found));
  if (Has(body, "guided_decoding_backend") && !body.at("guided_decoding_backend").is_null()) {
    const Json& b = body.at("guided_decoding_backend");
    if (!b.is_string() || (b != "auto" && b != "guidance" && b != "llguidance"))
      return InvalidArgument("'guided_decoding_backend' must be auto or guidance (this server's backend is llguidance)");
  }
  if (Has(body, "structured_outputs")) {
    const Json& so = body.at("structured_outputs");
    if (!so.is_object()) return InvalidArgument("'structured_outputs' must be an object");
    for (auto it = so.begin(); it != so.end(); ++it) {
      const std::string& k = it.key();
      if (k != "json" && k != "regex" && k != "choice" && k != "grammar" && k != "json_object" && !it.value().is_null())
        return InvalidArgument("'structured_outputs." + k + "' is not supported (json, regex, choice, grammar, json_object are)");
    }
    std::vector<Found> inner;
    RETURN_IF_ERROR(ReadGuided(so, "", &inner));
    if (so.contains("json_object") && !so["json_object"].is_null()) {
      if (!so["json_object"].is_boolean()) return InvalidArgument("'structured_outputs.json_object' must be a boolean");
      if (so["json_object"].get<bool>()) inner.push_back({"json_object", {.kind = Kind::kJsonObject, .spec = "", .choices = {}}});
    }
    for (Found& f : inner) {
      f.field = "structured_outputs." + f.field;
      found.push_back(std::move(f));
    }
  }
  RETURN_IF_ERROR(OneOf(std::move(found), out));
  // vLLM's guided_whitespace_pattern: the whitespace allowed between JSON tokens.
  if (Has(body, "guided_whitespace_pattern") && !body.at("guided_whitespace_pattern").is_null()) {
    std::string pattern;
    RETURN_IF_ERROR(ReadText(body.at("guided_whitespace_pattern"), "guided_whitespace_pattern", &pattern));
    if (out->kind == Kind::kJsonObject) *out = {.kind = Kind::kJsonSchema, .spec = R"({"type":"object"})", .choices = {}};
    if (out->kind != Kind::kJsonSchema)
      return InvalidArgument("'guided_whitespace_pattern' applies to a JSON constraint only");
    Json schema = Json::parse(out->spec);
    if (!schema.is_object()) return InvalidArgument("'guided_whitespace_pattern' needs an object schema");
    schema["x-guidance"] = {{"whitespace_pattern", pattern}};
    out->spec = schema.dump();
  }
  return Status::Ok();
}

Status ReadAnthropicOutputFormat(const Json& body, StructuredOutput* out) {
  *out = {};
  if (!Has(body, "output_config")) return Status::Ok();
  const Json& oc = body.at("output_config");
  if (!oc.is_object()) return InvalidArgument("'output_config' must be an object");
  for (auto it = oc.begin(); it != oc.end(); ++it)
    if (it.key() != "format" && it.key() != "effort")
      return InvalidArgument("'output_config." + it.key() + "' is not supported");
  if (!oc.contains("format") || oc["format"].is_null()) return Status::Ok();
  const Json& f = oc["format"];
  if (!f.is_object() || !f.contains("type") || f["type"] != "json_schema")
    return InvalidArgument("'output_config.format' must be {\"type\": \"json_schema\", \"schema\": {...}}");
  if (!f.contains("schema")) return InvalidArgument("'output_config.format.schema' is required");
  auto text = SchemaText(f["schema"], "output_config.format.schema");
  if (!text.ok()) return text.status();
  *out = {.kind = Kind::kJsonSchema, .spec = std::move(text.value()), .choices = {}};
  return Status::Ok();
}

Status CheckForcedTool(const ForcedToolChoice& choice, const Json& tools) {
  if (!choice.required) return Status::Ok();
  if (!tools.is_array() || tools.empty())
    return InvalidArgument(choice.function_name.empty() ? "tool_choice requires a tool call, but no 'tools' were given"
                                                        : "tool_choice names '" + choice.function_name + "', but no 'tools' were given");
  if (choice.function_name.empty()) return Status::Ok();
  for (const Json& t : tools)
    if (t.contains("function") && t["function"].value("name", "") == choice.function_name) return Status::Ok();
  return InvalidArgument("tool_choice names the function '" + choice.function_name + "', which is not among the tools");
}

Result<StructuredOutput> ToolCallConstraint(const ForcedToolChoice& choice, const Json& tools, ToolCallSyntax syntax) {
  RETURN_IF_ERROR(CheckForcedTool(choice, tools));
  const char* args_key = syntax == ToolCallSyntax::kHermes ? "arguments" : "parameters";
  Json alternatives = Json::array();
  for (const Json& t : tools) {
    const Json& fn = t["function"];
    const std::string name = fn.value("name", "");
    if (!choice.function_name.empty() && name != choice.function_name) continue;
    Json params = fn.contains("parameters") && !fn["parameters"].is_null() ? fn["parameters"] : Json{{"type", "object"}};
    if (!params.is_object()) return InvalidArgument("the parameters of tool '" + name + "' must be a JSON schema object");
    Json call = {{"type", "object"},
                 {"properties", {{"name", {{"const", name}}}, {args_key, std::move(params)}}},
                 {"required", {"name", args_key}},
                 {"additionalProperties", false}};
    alternatives.push_back(std::move(call));
  }
  Json schema = alternatives.size() == 1 ? std::move(alternatives[0]) : Json{{"anyOf", std::move(alternatives)}};
  schema["x-guidance"] = Json::parse(kJsonGuidanceOptions);
  const bool many = choice.function_name.empty() && choice.parallel;
  std::string g;
  if (syntax == ToolCallSyntax::kHermes) {
    g = "start: call" + std::string(many ? " (\"\\n\" call)*" : "") + "\n";
    g += "call: \"<tool_call>\\n\" %json " + schema.dump() + " \"\\n</tool_call>\"\n";
  } else {
    g = "start: call" + std::string(many ? " (\"; \" call)*" : "") + "\n";
    g += "call: %json " + schema.dump() + "\n";
  }
  return StructuredOutput{.kind = Kind::kLark, .spec = std::move(g), .choices = {}};
}

}  // namespace vllm::api
