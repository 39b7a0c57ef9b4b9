#include "api/anthropic_request.h"

#include "api/chat_request.h"
#include "api/count_limit.h"
#include "api/sampling_fields.h"

namespace vllm::api {

namespace {

Status BlockText(const Json& content, const std::string& where, std::string* out) {
  if (content.is_string()) {
    *out = content.get<std::string>();
    return Status::Ok();
  }
  if (!content.is_array()) return InvalidArgument("'" + where + "' must be a string or a list of content blocks");
  for (const Json& b : content) {
    if (!b.is_object() || !b.contains("type") || !b["type"].is_string())
      return InvalidArgument("'" + where + "' blocks must be objects with a 'type'");
    if (b["type"] != "text") return InvalidArgument("'" + where + "' block type '" + b["type"].get<std::string>() + "' is not supported here");
    if (!b.contains("text") || !b["text"].is_string()) return InvalidArgument("'" + where + "' text blocks need a string 'text'");
    *out += b["text"].get<std::string>();
  }
  return Status::Ok();
}

Status ConvertUser(const Json& content, const std::string& where, const RequestLimits& limits, Json* out) {
  if (content.is_string()) {
    out->push_back({{"role", "user"}, {"content", content}});
    return Status::Ok();
  }
  if (!content.is_array()) return InvalidArgument("'" + where + ".content' must be a string or a list of blocks");
  RETURN_IF_ERROR(CheckCount(where + ".content", content.size(), limits.max_content_parts, "--max-content-parts"));
  std::string text;
  bool has_text = false;
  for (const Json& b : content) {
    if (!b.is_object() || !b.contains("type") || !b["type"].is_string())
      return InvalidArgument("'" + where + ".content' blocks must be objects with a 'type'");
    const std::string type = b["type"].get<std::string>();
    if (type == "text") {
      if (!b.contains("text") || !b["text"].is_string()) return InvalidArgument("'" + where + "' text blocks need a string 'text'");
      text += b["text"].get<std::string>();
      has_text = true;
    } else if (type == "tool_result") {
      if (!b.contains("tool_use_id") || !b["tool_use_id"].is_string())
        return InvalidArgument("'" + where + "' tool_result blocks need a string 'tool_use_id'");
      std::string result;
      if (b.contains("content") && !b["content"].is_null()) RETURN_IF_ERROR(BlockText(b["content"], where + ".tool_result.content", &result));
      out->push_back({{"role", "tool"}, {"tool_call_id", b["tool_use_id"]}, {"content", result}});
    } else {
      return InvalidArgument("'" + where + "' block type '" + type + "' is not supported (text and tool_result only)");
    }
  }
  if (has_text) out->push_back({{"role", "user"}, {"content", text}});
  return Status::Ok();
}

// `content` is moved from: tool_use inputs (arbitrary client JSON) move into the tool calls.
Status ConvertAssistant(Json& content, const std::string& where, const RequestLimits& limits, Json* out) {
  if (content.is_string()) {
    out->push_back({{"role", "assistant"}, {"content", std::move(content)}});
    return Status::Ok();
  }
  if (!content.is_array()) return InvalidArgument("'" + where + ".content' must be a string or a list of blocks");
  RETURN_IF_ERROR(CheckCount(where + ".content", content.size(), limits.max_content_parts, "--max-content-parts"));
  std::string text, thinking;
  Json calls = Json::array();
  for (Json& b : content) {
    if (!b.is_object() || !b.contains("type") || !b["type"].is_string())
      return InvalidArgument("'" + where + ".content' blocks must be objects with a 'type'");
    const std::string type = b["type"].get<std::string>();
    if (type == "text" && b.contains("text") && b["text"].is_string()) {
      text += b["text"].get<std::string>();
    } else if (type == "thinking" && b.contains("thinking") && b["thinking"].is_string()) {
      thinking += b["thinking"].get<std::string>();
    } else if (type == "redacted_thinking") {
      // Opaque to us; nothing a template could render.
    } else if (type == "tool_use" && b.contains("name") && b["name"].is_string()) {
      Json input = b.contains("input") ? std::move(b["input"]) : Json::object();
      calls.push_back({{"id", b.contains("id") && b["id"].is_string() ? b["id"] : Json("")}, {"type", "function"},
                       {"function", {{"name", b["name"]}, {"arguments", std::move(input)}}}});
    } else {
      return InvalidArgument("'" + where + "' has an invalid or unsupported '" + type + "' block");
    }
  }
  Json msg = {{"role", "assistant"}, {"content", text}};
  if (!thinking.empty()) msg["reasoning_content"] = thinking;
  if (!calls.empty()) msg["tool_calls"] = std::move(calls);
  out->push_back(std::move(msg));
  return Status::Ok();
}

// Moves the tool schemas out of `tools`.
Status ConvertToolList(Json& tools, const RequestLimits& limits, MessagesRequest* r) {
  if (!tools.is_array()) return InvalidArgument("'tools' must be a list");
  RETURN_IF_ERROR(CheckCount("tools", tools.size(), limits.max_tools, "--max-tools"));
  r->tools = Json::array();
  for (Json& t : tools) {
    if (!t.is_object() || !t.contains("name") || !t["name"].is_string())
      return InvalidArgument("'tools' entries need a string 'name'");
    Json fn = {{"name", t["name"]}};
    if (t.contains("description")) fn["description"] = std::move(t["description"]);
    fn["parameters"] = t.contains("input_schema") ? std::move(t["input_schema"]) : Json{{"type", "object"}};
    r->tools.push_back({{"type", "function"}, {"function", std::move(fn)}});
  }
  r->tools_enabled = !r->tools.empty();
  return Status::Ok();
}

// tool_choice: auto / none / any / tool (+ disable_parallel_tool_use); any and tool are
// forced (the handler constrains the output to tool calls) and need tools.
Status ReadToolChoice(const Json& body, MessagesRequest* r) {
  if (Has(body, "tool_choice")) {
    const Json& tc = body.at("tool_choice");
    if (!tc.is_object() || !tc.contains("type") || !tc["type"].is_string())
      return InvalidArgument("'tool_choice' must be an object with a 'type' (auto, any, tool, none)");
    const std::string type = tc["type"].get<std::string>();
    if (type != "auto" && type != "any" && type != "tool" && type != "none")
      return InvalidArgument("'tool_choice.type' must be auto, any, tool or none");
    if (type == "none") r->tools_enabled = false;
    r->forced_tool.required = type == "any" || type == "tool";
    if (type == "tool") {
      if (!tc.contains("name") || !tc["name"].is_string())
        return InvalidArgument("'tool_choice' of type tool needs a string 'name'");
      r->forced_tool.function_name = tc["name"].get<std::string>();
    }
    bool disable_parallel = false;
    RETURN_IF_ERROR(ReadBool(tc, "disable_parallel_tool_use", &disable_parallel));
    r->forced_tool.parallel = !disable_parallel;
  }
  return CheckForcedTool(r->forced_tool, r->tools);
}

// Moves the tool schemas out of `body`.
Status ConvertTools(Json& body, const RequestLimits& limits, MessagesRequest* r) {
  if (Has(body, "tools")) RETURN_IF_ERROR(ConvertToolList(body["tools"], limits, r));
  return ReadToolChoice(body, r);
}

}  // namespace

Result<MessagesRequest> ParseMessagesRequest(Json body, const RequestLimits& limits, bool count_tokens) {
  MessagesRequest r;
  RETURN_IF_ERROR(ReadString(body, "model", &r.model));
  r.messages = Json::array();
  if (Has(body, "system")) {
    std::string system;
    RETURN_IF_ERROR(BlockText(body.at("system"), "system", &system));
    r.messages.push_back({{"role", "system"}, {"content", system}});
  }
  if (!Has(body, "messages")) return InvalidArgument("'messages' is required");
  Json& msgs = body["messages"];
  if (!msgs.is_array()) return InvalidArgument("'messages' must be a list");
  if (msgs.empty()) return InvalidArgument("'messages' must not be empty");
  RETURN_IF_ERROR(CheckCount("messages", msgs.size(), limits.max_messages, "--max-messages"));
  for (size_t i = 0; i < msgs.size(); ++i) {
    Json& m = msgs[i];
    const std::string where = "messages[" + std::to_string(i) + "]";
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string())
      return InvalidArgument("'" + where + ".role' must be a string");
    if (!m.contains("content")) return InvalidArgument("'" + where + ".content' is required");
    const std::string role = m["role"].get<std::string>();
    if (role == "user") RETURN_IF_ERROR(ConvertUser(m["content"], where, limits, &r.messages));
    else if (role == "assistant") RETURN_IF_ERROR(ConvertAssistant(m["content"], where, limits, &r.messages));
    else return InvalidArgument("'" + where + ".role' is '" + role + "'; expected user or assistant");
  }
  RETURN_IF_ERROR(NormalizeMessages(&r.messages, limits));
  RETURN_IF_ERROR(ConvertTools(body, limits, &r));
  RETURN_IF_ERROR(ReadAnthropicOutputFormat(body, &r.params.structured));
  if (r.forced_tool.required && r.params.structured.active())
    return InvalidArgument("a forced 'tool_choice' and 'output_config.format' cannot both constrain the output");
  if (Has(body, "thinking")) {
    const Json& t = body.at("thinking");
    if (!t.is_object() || !t.contains("type") || !t["type"].is_string())
      return InvalidArgument("'thinking' must be an object with a 'type'");
    r.template_kwargs["enable_thinking"] = t["type"] == "enabled";
  }
  std::optional<float> temperature = limits.default_temperature, top_p = limits.default_top_p;
  std::optional<int32_t> top_k = limits.default_top_k;
  RETURN_IF_ERROR(ReadFloat(body, "temperature", &temperature));
  RETURN_IF_ERROR(ReadFloat(body, "top_p", &top_p));
  RETURN_IF_ERROR(ReadInt(body, "top_k", &top_k));
  if (temperature) r.params.temperature = *temperature;
  if (top_p) r.params.top_p = *top_p;
  if (top_k) r.params.top_k = *top_k;
  RETURN_IF_ERROR(ReadStopList(body, "stop_sequences", limits, &r.stop_sequences));
  r.params.stop = r.stop_sequences;
  RETURN_IF_ERROR(ReadBool(body, "stream", &r.stream));
  if (!count_tokens) {
    if (!Has(body, "max_tokens")) return InvalidArgument("'max_tokens' is required");
    RETURN_IF_ERROR(ReadInt(body, "max_tokens", &r.params.max_tokens));
    RETURN_IF_ERROR(CheckMaxTokens(r.params.max_tokens, limits, "max_tokens"));
  }
  return r;
}

}  // namespace vllm::api
