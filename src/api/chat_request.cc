#include "api/chat_request.h"

#include "api/bounded_json.h"
#include "api/count_limit.h"
#include "api/sampling_fields.h"

namespace vllm::api {

namespace {

// A list of parts ([{"type": "text", "text": ...}]) becomes one string: templates of the
// models we serve take string content, and text is all this server can feed a model.
Status FlattenContent(Json* content, size_t index, const RequestLimits& limits) {
  const std::string where = "messages[" + std::to_string(index) + "].content";
  if (content->is_string() || content->is_null()) return Status::Ok();
  if (!content->is_array()) return InvalidArgument("'" + where + "' must be a string or a list of content parts");
  RETURN_IF_ERROR(CheckCount(where, content->size(), limits.max_content_parts, "--max-content-parts"));
  std::string text;
  for (const Json& part : *content) {
    if (!part.is_object() || !part.contains("type") || !part["type"].is_string())
      return InvalidArgument("'" + where + "' parts must be objects with a 'type'");
    const std::string type = part["type"].get<std::string>();
    if (type != "text")
      return InvalidArgument("'" + where + "' part type '" + type + "' is not supported (text only)");
    if (!part.contains("text") || !part["text"].is_string())
      return InvalidArgument("'" + where + "' text parts need a string 'text'");
    text += part["text"].get<std::string>();
  }
  *content = text;
  return Status::Ok();
}

Status NormalizeToolCalls(Json* msg, size_t index) {
  if (!msg->contains("tool_calls") || (*msg)["tool_calls"].is_null()) return Status::Ok();
  Json& calls = (*msg)["tool_calls"];
  const std::string where = "messages[" + std::to_string(index) + "].tool_calls";
  if (!calls.is_array()) return InvalidArgument("'" + where + "' must be a list");
  for (size_t k = 0; k < calls.size(); ++k) {
    Json& call = calls[k];
    if (!call.is_object() || !call.contains("function") || !call["function"].is_object() ||
        !call["function"].contains("name") || !call["function"]["name"].is_string())
      return InvalidArgument("'" + where + "' entries need function.name");
    Json& fn = call["function"];
    if (fn.contains("arguments") && fn["arguments"].is_string()) {
      // JSON inside a string is parsed with the same depth limit as the body.
      BoundedJson parsed = ParseBoundedJson(fn["arguments"].get_ref<const std::string&>());
      if (parsed.error == JsonParseError::kTooDeep || parsed.error == JsonParseError::kTooManyMembers)
        return InvalidArgument(
            JsonLimitMessage(parsed.error, "'" + where + "[" + std::to_string(k) + "].function.arguments'"));
      if (parsed.error == JsonParseError::kNone) fn["arguments"] = std::move(parsed.value);
    }
  }
  return Status::Ok();
}

}  // namespace

Status NormalizeMessages(Json* messages, const RequestLimits& limits) {
  if (!messages->is_array()) return InvalidArgument("'messages' must be a list");
  if (messages->empty()) return InvalidArgument("'messages' must not be empty");
  RETURN_IF_ERROR(CheckCount("messages", messages->size(), limits.max_messages, "--max-messages"));
  for (size_t i = 0; i < messages->size(); ++i) {
    Json& msg = (*messages)[i];
    const std::string where = "messages[" + std::to_string(i) + "]";
    if (!msg.is_object()) return InvalidArgument("'" + where + "' must be an object");
    if (!msg.contains("role") || !msg["role"].is_string()) return InvalidArgument("'" + where + ".role' must be a string");
    std::string role = msg["role"].get<std::string>();
    if (role == "developer") msg["role"] = role = "system";
    if (role != "system" && role != "user" && role != "assistant" && role != "tool")
      return InvalidArgument("'" + where + ".role' is '" + role +
                             "'; expected system, developer, user, assistant or tool");
    if (!msg.contains("content")) msg["content"] = nullptr;
    RETURN_IF_ERROR(FlattenContent(&msg["content"], i, limits));
    if (msg["content"].is_null() && role != "assistant")
      return InvalidArgument("'" + where + ".content' is required for role " + role);
    // Templates test `'</think>' in content` and the like, which fails on None (jinja2 too);
    // an assistant turn that only calls tools has empty text.
    if (msg["content"].is_null()) msg["content"] = "";
    RETURN_IF_ERROR(NormalizeToolCalls(&msg, i));
  }
  return Status::Ok();
}

Status CheckTools(const Json& tools, const RequestLimits& limits) {
  if (!tools.is_array()) return InvalidArgument("'tools' must be a list");
  RETURN_IF_ERROR(CheckCount("tools", tools.size(), limits.max_tools, "--max-tools"));
  for (const Json& t : tools) {
    if (!t.is_object() || !t.contains("function") || !t["function"].is_object() ||
        !t["function"].contains("name") || !t["function"]["name"].is_string())
      return InvalidArgument("'tools' entries must be {\"type\": \"function\", \"function\": {\"name\": ...}}");
  }
  return Status::Ok();
}

namespace {

// OpenAI's deprecated function calling, as the tools API it became: `functions` -> `tools`,
// `function_call` -> `tool_choice`, assistant `function_call` -> one `tool_calls` entry and
// role "function" results -> role "tool" (their `name` kept for templates that show it).
Status MapLegacyFunctions(Json* body) {
  Json& b = *body;
  if (Has(b, "functions")) {
    if (Has(b, "tools")) return InvalidArgument("give 'tools' or the deprecated 'functions', not both");
    const Json& fns = b.at("functions");
    if (!fns.is_array()) return InvalidArgument("'functions' must be a list of function definitions");
    Json tools = Json::array();
    for (const Json& f : fns) tools.push_back(Json{{"type", "function"}, {"function", f}});
    b["tools"] = std::move(tools);
    b.erase("functions");
  }
  if (Has(b, "function_call")) {
    if (Has(b, "tool_choice")) return InvalidArgument("give 'tool_choice' or the deprecated 'function_call', not both");
    const Json& fc = b.at("function_call");
    if (fc.is_object()) {
      if (!fc.contains("name") || !fc["name"].is_string())
        return InvalidArgument("'function_call' must be none, auto or {\"name\": ...}");
      b["tool_choice"] = Json{{"type", "function"}, {"function", {{"name", fc["name"]}}}};
    } else {
      b["tool_choice"] = fc;
    }
    b.erase("function_call");
  }
  if (!Has(b, "messages") || !b.at("messages").is_array()) return Status::Ok();
  int call = 0;
  for (Json& m : b["messages"]) {
    if (!m.is_object()) continue;
    if (m.contains("role") && m["role"] == "function") {
      m["role"] = "tool";
      if (!m.contains("tool_call_id") && m.contains("name") && m["name"].is_string())
        m["tool_call_id"] = m["name"];
    }
    if (m.contains("function_call") && m["function_call"].is_object() && !m.contains("tool_calls")) {
      Json fc = std::move(m["function_call"]);
      m.erase("function_call");
      const std::string id = fc.contains("name") && fc["name"].is_string() ? fc["name"].get<std::string>()
                                                                           : "call_" + std::to_string(call);
      m["tool_calls"] = Json::array({Json{{"id", id}, {"type", "function"}, {"function", std::move(fc)}}});
      ++call;
    }
  }
  return Status::Ok();
}

}  // namespace

Result<ChatRequest> ParseChatRequest(Json body, const RequestLimits& limits) {
  ChatRequest r;
  RETURN_IF_ERROR(ReadString(body, "model", &r.model));
  if (!Has(body, "messages")) return InvalidArgument("'messages' is required");
  RETURN_IF_ERROR(MapLegacyFunctions(&body));
  // Moved, never copied: the body is not read again for these fields.
  r.messages = std::move(body["messages"]);
  RETURN_IF_ERROR(NormalizeMessages(&r.messages, limits));
  RETURN_IF_ERROR(ReadStructuredOutput(body, &r.params.structured));
  if (Has(body, "tools")) {
    r.tools = std::move(body["tools"]);
    RETURN_IF_ERROR(CheckTools(r.tools, limits));
    r.tools_enabled = !r.tools.empty();
  }
  if (Has(body, "tool_choice")) {
    const Json& tc = body.at("tool_choice");
    if (tc.is_string()) {
      const std::string s = tc.get<std::string>();
      if (s != "none" && s != "auto" && s != "required")
        return InvalidArgument("'tool_choice' must be none, auto, required or a named function");
      if (s == "none") r.tools_enabled = false;
      r.forced_tool.required = s == "required";
    } else if (tc.is_object()) {
      if (!tc.contains("function") || !tc["function"].is_object() || !tc["function"].contains("name") ||
          !tc["function"]["name"].is_string())
        return InvalidArgument("'tool_choice' as an object must be {\"type\": \"function\", \"function\": {\"name\": ...}}");
      r.forced_tool.required = true;
      r.forced_tool.function_name = tc["function"]["name"].get<std::string>();
    } else {
      return InvalidArgument("'tool_choice' must be a string or an object");
    }
  }
  RETURN_IF_ERROR(ReadBool(body, "parallel_tool_calls", &r.forced_tool.parallel));
  RETURN_IF_ERROR(CheckForcedTool(r.forced_tool, r.tools));
  if (r.forced_tool.required && r.params.structured.active())
    return InvalidArgument("a forced 'tool_choice' and an output format cannot both constrain the output");
  if (Has(body, "chat_template_kwargs")) {
    if (!body.at("chat_template_kwargs").is_object()) return InvalidArgument("'chat_template_kwargs' must be an object");
    r.chat_template_kwargs = std::move(body["chat_template_kwargs"]);
  }
  RETURN_IF_ERROR(ReadBool(body, "add_generation_prompt", &r.add_generation_prompt));
  RETURN_IF_ERROR(ReadBool(body, "continue_final_message", &r.continue_final_message));
  if (r.continue_final_message) {
    if (r.add_generation_prompt && Has(body, "add_generation_prompt"))
      return InvalidArgument("'continue_final_message' and 'add_generation_prompt' cannot both be true");
    r.add_generation_prompt = false;
    if (r.messages.back()["role"] != "assistant")
      return InvalidArgument("'continue_final_message' needs an assistant message last");
  }
  RETURN_IF_ERROR(ReadOpenAiSampling(body, limits, &r.params));
  r.max_tokens_given = Has(body, "max_tokens") || Has(body, "max_completion_tokens");
  RETURN_IF_ERROR(ReadBool(body, "stream", &r.stream));
  if (Has(body, "stream_options")) {
    const Json& so = body.at("stream_options");
    if (!so.is_object()) return InvalidArgument("'stream_options' must be an object");
    RETURN_IF_ERROR(ReadBool(so, "include_usage", &r.include_usage));
  }
  RETURN_IF_ERROR(ReadBool(body, "logprobs", &r.logprobs));
  RETURN_IF_ERROR(ReadInt(body, "top_logprobs", &r.top_logprobs));
  if (r.top_logprobs < 0 || r.top_logprobs > kMaxLogprobs)
    return InvalidArgument("'top_logprobs' must be in [0, 20]");
  if (r.top_logprobs > 0 && !r.logprobs) return InvalidArgument("'top_logprobs' needs 'logprobs': true");
  r.params.logprobs = r.logprobs ? r.top_logprobs : -1;
  RETURN_IF_ERROR(ReadPromptLogprobs(body, &r.prompt_logprobs));
  if (r.prompt_logprobs) r.params.prompt_logprobs = *r.prompt_logprobs;
  if (r.stream && r.prompt_logprobs) return InvalidArgument("'prompt_logprobs' is not available when 'stream' is true");
  std::string user;
  RETURN_IF_ERROR(ReadString(body, "user", &user));
  return r;
}

}  // namespace vllm::api
