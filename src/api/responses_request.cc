#include "api/responses_request.h"

#include "api/chat_request.h"
#include "api/count_limit.h"
#include "api/sampling_fields.h"

namespace vllm::api {

namespace {

std::string TypeOf(const Json& item) {
  return item.contains("type") && item["type"].is_string() ? item["type"].get<std::string>() : "";
}

// Message content: a string or a list of input_text / output_text parts (text only).
Status ContentText(const Json& content, const std::string& where, const RequestLimits& limits,
                   std::string* out) {
  if (content.is_string()) {
    *out = content.get<std::string>();
    return Status::Ok();
  }
  if (!content.is_array())
    return InvalidArgument("'" + where + "' must be a string or a list of content parts");
  RETURN_IF_ERROR(
      CheckCount(where, content.size(), limits.max_content_parts, "--max-content-parts"));
  for (const Json& part : content) {
    const std::string type = part.is_object() ? TypeOf(part) : "";
    if (type != "input_text" && type != "output_text" && type != "text")
      return InvalidArgument(
          "'" + where + "' part type '" + type +
          "' is not supported (input_text and output_text only: this server feeds the model text)");
    if (!part.contains("text") || !part["text"].is_string())
      return InvalidArgument("'" + where + "' text parts need a string 'text'");
    *out += part["text"].get<std::string>();
  }
  return Status::Ok();
}

// Reasoning item text: its reasoning_text content, else its summary texts.
std::string ReasoningText(const Json& item) {
  std::string text;
  for (const char* key : {"content", "summary"}) {
    if (!item.contains(key) || !item[key].is_array()) continue;
    for (const Json& p : item[key])
      if (p.is_object() && p.contains("text") && p["text"].is_string())
        text += p["text"].get<std::string>();
    if (!text.empty()) break;
  }
  return text;
}

// Input items -> chat messages. Consecutive function_call items join one assistant turn
// (the assistant message right before them when there is one); a reasoning item waits for
// the assistant turn that follows it.
class InputConverter {
 public:
  explicit InputConverter(const RequestLimits& limits) : limits_(limits) {}

  Status Add(Json& item, size_t i, Json* out) {
    const std::string where = "input[" + std::to_string(i) + "]";
    if (!item.is_object()) return InvalidArgument("'" + where + "' must be an object");
    std::string type = TypeOf(item);
    if (type.empty() && item.contains("role")) type = "message";  // EasyInputMessage
    if (type == "message") return AddMessage(item, where, out);
    if (type == "function_call") return AddCall(item, where, out);
    if (type == "function_call_output") {
      if (!item.contains("call_id") || !item["call_id"].is_string())
        return InvalidArgument("'" + where + ".call_id' must be a string");
      if (!item.contains("output")) return InvalidArgument("'" + where + ".output' is required");
      std::string output;
      RETURN_IF_ERROR(ContentText(item["output"], where + ".output", limits_, &output));
      out->push_back({{"role", "tool"}, {"tool_call_id", item["call_id"]}, {"content", output}});
      return Status::Ok();
    }
    if (type == "reasoning") {
      reasoning_ += ReasoningText(item);
      return Status::Ok();
    }
    if (type == "item_reference")
      return InvalidArgument("'" + where +
                             "' is an item_reference: this server stores no responses or items "
                             "(send the items themselves)");
    return InvalidArgument("'" + where + "' has type '" + type +
                           "'; supported: message, function_call, function_call_output, reasoning");
  }

 private:
  Status AddMessage(Json& item, const std::string& where, Json* out) {
    if (!item.contains("role") || !item["role"].is_string())
      return InvalidArgument("'" + where + ".role' must be a string");
    const std::string role = item["role"].get<std::string>();
    if (role != "user" && role != "system" && role != "developer" && role != "assistant")
      return InvalidArgument("'" + where + ".role' is '" + role +
                             "'; expected user, system, developer or assistant");
    if (!item.contains("content")) return InvalidArgument("'" + where + ".content' is required");
    std::string text;
    RETURN_IF_ERROR(ContentText(item["content"], where + ".content", limits_, &text));
    Json msg = {{"role", role}, {"content", std::move(text)}};
    if (role == "assistant" && !reasoning_.empty())
      msg["reasoning_content"] = std::move(reasoning_);
    reasoning_.clear();
    out->push_back(std::move(msg));
    return Status::Ok();
  }

  Status AddCall(Json& item, const std::string& where, Json* out) {
    if (!item.contains("name") || !item["name"].is_string())
      return InvalidArgument("'" + where + ".name' must be a string");
    if (!item.contains("arguments") || !item["arguments"].is_string())
      return InvalidArgument("'" + where + ".arguments' must be a string (JSON text)");
    const Json id =
        item.contains("call_id") && item["call_id"].is_string() ? item["call_id"] : Json("");
    Json call = {
        {"id", id},
        {"type", "function"},
        {"function", {{"name", item["name"]}, {"arguments", std::move(item["arguments"])}}}};
    if (out->empty() || out->back()["role"] != "assistant" || !reasoning_.empty()) {
      Json msg = {{"role", "assistant"}, {"content", ""}, {"tool_calls", Json::array()}};
      if (!reasoning_.empty()) msg["reasoning_content"] = std::move(reasoning_);
      reasoning_.clear();
      out->push_back(std::move(msg));
    }
    Json& last = out->back();
    if (!last.contains("tool_calls") || !last["tool_calls"].is_array())
      last["tool_calls"] = Json::array();
    last["tool_calls"].push_back(std::move(call));
    return Status::Ok();
  }

  const RequestLimits& limits_;
  std::string reasoning_;
};

// Moves the tool schemas out of `tools`; keeps the tools as given for the response's echo.
Status ConvertTools(Json& tools, const RequestLimits& limits, ResponsesRequest* r) {
  if (!tools.is_array()) return InvalidArgument("'tools' must be a list");
  RETURN_IF_ERROR(CheckCount("tools", tools.size(), limits.max_tools, "--max-tools"));
  r->tools_echo = tools;
  r->tools = Json::array();
  for (Json& t : tools) {
    const std::string type = t.is_object() ? TypeOf(t) : "";
    if (type != "function")
      return InvalidArgument("'tools' entry of type '" + type +
                             "' is not supported (function tools only)");
    if (!t.contains("name") || !t["name"].is_string())
      return InvalidArgument("'tools' function entries need a string 'name'");
    Json fn = {{"name", t["name"]}};
    if (t.contains("description") && !t["description"].is_null())
      fn["description"] = std::move(t["description"]);
    fn["parameters"] = t.contains("parameters") && !t["parameters"].is_null()
                           ? std::move(t["parameters"])
                           : Json{{"type", "object"}};
    r->tools.push_back({{"type", "function"}, {"function", std::move(fn)}});
  }
  r->tools_enabled = !r->tools.empty();
  return Status::Ok();
}

Status ReadToolChoice(const Json& body, ResponsesRequest* r) {
  if (!Has(body, "tool_choice")) return CheckForcedTool(r->forced_tool, r->tools);
  const Json& tc = body.at("tool_choice");
  r->tool_choice_echo = tc;
  if (tc.is_string()) {
    const std::string s = tc.get<std::string>();
    if (s != "none" && s != "auto" && s != "required")
      return InvalidArgument(
          "'tool_choice' must be none, auto, required or {\"type\": \"function\", \"name\": ...}");
    if (s == "none") r->tools_enabled = false;
    r->forced_tool.required = s == "required";
  } else if (tc.is_object() && TypeOf(tc) == "function") {
    if (!tc.contains("name") || !tc["name"].is_string())
      return InvalidArgument("'tool_choice' of type function needs a string 'name'");
    r->forced_tool.required = true;
    r->forced_tool.function_name = tc["name"].get<std::string>();
  } else {
    return InvalidArgument(
        "'tool_choice' must be none, auto, required or {\"type\": \"function\", \"name\": ...}");
  }
  return CheckForcedTool(r->forced_tool, r->tools);
}

// text.format -> the structured-output reader's response_format (one grammar path).
Status ReadTextFormat(Json& body, ResponsesRequest* r) {
  if (!Has(body, "text")) return Status::Ok();
  Json& text = body["text"];
  if (!text.is_object()) return InvalidArgument("'text' must be an object");
  if (!Has(text, "format")) return Status::Ok();
  Json& f = text["format"];
  if (!f.is_object() || TypeOf(f).empty())
    return InvalidArgument(
        "'text.format' must be an object with a 'type' (text, json_object, json_schema)");
  const std::string type = TypeOf(f);
  Json rf = {{"type", type}};
  if (type == "json_schema") {
    if (!f.contains("schema")) return InvalidArgument("'text.format' json_schema needs a 'schema'");
    Json js = {{"schema", f["schema"]}};
    if (f.contains("strict")) js["strict"] = f["strict"];
    rf["json_schema"] = std::move(js);
  } else if (type != "text" && type != "json_object") {
    return InvalidArgument("unknown 'text.format' type '" + type +
                           "' (text, json_object, json_schema)");
  }
  Status s = ReadStructuredOutput(Json{{"response_format", std::move(rf)}}, &r->params.structured);
  if (!s.ok()) {
    // Name the field the client sent, not the one it was mapped to.
    std::string msg = s.message();
    for (size_t at; (at = msg.find("response_format.json_schema")) != std::string::npos;)
      msg.replace(at, 27, "text.format");
    for (size_t at; (at = msg.find("response_format")) != std::string::npos;)
      msg.replace(at, 15, "text.format");
    return InvalidArgument(msg);
  }
  r->text_echo = std::move(text);
  return Status::Ok();
}

// Fields whose meaning is state kept between requests.
Status RejectStatefulFields(const Json& body) {
  auto stateless = [](const std::string& what) {
    return InvalidArgument(what +
                           ": this server is stateless and stores no responses or conversations "
                           "(send the whole input each time, with store: false)");
  };
  if (Has(body, "previous_response_id"))
    return stateless("'previous_response_id' is not supported");
  if (Has(body, "conversation")) return stateless("'conversation' is not supported");
  if (Has(body, "prompt")) return stateless("'prompt' (a stored prompt template) is not supported");
  bool background = false;
  RETURN_IF_ERROR(ReadBool(body, "background", &background));
  if (background) return stateless("'background': true is not supported");
  bool store = false;
  RETURN_IF_ERROR(ReadBool(body, "store", &store));  // a type check only: nothing is stored
  for (const char* key : {"max_tokens", "max_completion_tokens"})
    if (Has(body, key))
      return InvalidArgument(std::string("'") + key +
                             "' is not a Responses API field; use 'max_output_tokens'");
  return Status::Ok();
}

Status ReadInput(Json& body, const RequestLimits& limits, ResponsesRequest* r) {
  r->messages = Json::array();
  if (Has(body, "instructions")) {
    if (!body.at("instructions").is_string())
      return InvalidArgument("'instructions' must be a string");
    r->instructions = body["instructions"];
    r->messages.push_back({{"role", "system"}, {"content", body["instructions"]}});
  }
  if (!Has(body, "input")) return InvalidArgument("'input' is required");
  Json& input = body["input"];
  if (input.is_string()) {
    r->messages.push_back({{"role", "user"}, {"content", std::move(input)}});
  } else if (input.is_array()) {
    if (input.empty()) return InvalidArgument("'input' must not be empty");
    RETURN_IF_ERROR(CheckCount("input", input.size(), limits.max_messages, "--max-messages"));
    InputConverter conv(limits);
    for (size_t i = 0; i < input.size(); ++i) RETURN_IF_ERROR(conv.Add(input[i], i, &r->messages));
  } else {
    return InvalidArgument("'input' must be a string or a list of input items");
  }
  return NormalizeMessages(&r->messages, limits);
}

}  // namespace

Result<ResponsesRequest> ParseResponsesRequest(Json body, const RequestLimits& limits) {
  ResponsesRequest r;
  RETURN_IF_ERROR(ReadString(body, "model", &r.model));
  RETURN_IF_ERROR(RejectStatefulFields(body));
  RETURN_IF_ERROR(ReadInput(body, limits, &r));
  if (Has(body, "tools")) RETURN_IF_ERROR(ConvertTools(body["tools"], limits, &r));
  RETURN_IF_ERROR(ReadToolChoice(body, &r));
  RETURN_IF_ERROR(ReadBool(body, "parallel_tool_calls", &r.forced_tool.parallel));
  RETURN_IF_ERROR(ReadTextFormat(body, &r));
  if (r.forced_tool.required && r.params.structured.active())
    return InvalidArgument(
        "a forced 'tool_choice' and 'text.format' cannot both constrain the output");
  if (Has(body, "reasoning")) {
    const Json& reasoning = body.at("reasoning");
    if (!reasoning.is_object()) return InvalidArgument("'reasoning' must be an object");
    r.reasoning_echo = reasoning;
    std::string effort;
    RETURN_IF_ERROR(ReadString(reasoning, "effort", &effort));
    if (effort == "none") r.template_kwargs["enable_thinking"] = false;
  }
  if (Has(body, "metadata")) {
    if (!body.at("metadata").is_object()) return InvalidArgument("'metadata' must be an object");
    r.metadata = body["metadata"];
  }
  // temperature / top_p and vLLM's extra sampling fields (top_k, seed, stop, ...).
  RETURN_IF_ERROR(ReadOpenAiSampling(body, limits, &r.params));
  if (r.params.n != 1) return InvalidArgument("'n' must be 1: a response has one output");
  RETURN_IF_ERROR(ReadFloat(body, "temperature", &r.temperature));
  RETURN_IF_ERROR(ReadFloat(body, "top_p", &r.top_p));
  if (Has(body, "max_output_tokens")) {
    RETURN_IF_ERROR(ReadInt(body, "max_output_tokens", &r.params.max_tokens));
    RETURN_IF_ERROR(CheckMaxTokens(r.params.max_tokens, limits, "max_output_tokens"));
    r.max_tokens_given = true;
  }
  RETURN_IF_ERROR(ReadBool(body, "stream", &r.stream));
  return r;
}

}  // namespace vllm::api
