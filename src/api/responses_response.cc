#include "api/responses_response.h"

#include "api/ids.h"
#include "api/sse.h"

namespace vllm::api {

namespace {

const char* ItemStatus(FinishReason reason) {
  return reason == FinishReason::kLength ? "incomplete" : "completed";
}

Json TextPart(const std::string& text) {
  return {{"type", "output_text"},
          {"text", text},
          {"annotations", Json::array()},
          {"logprobs", Json::array()}};
}
Json ReasoningPart(const std::string& text) { return {{"type", "reasoning_text"}, {"text", text}}; }

Json MessageItem(const std::string& id, const std::string& text, const char* status,
                 bool with_part) {
  return {{"id", id},
          {"type", "message"},
          {"status", status},
          {"role", "assistant"},
          {"content", with_part ? Json::array({TextPart(text)}) : Json::array()}};
}

Json ReasoningItem(const std::string& id, const std::string& text, const char* status,
                   bool with_part) {
  return {{"id", id},
          {"type", "reasoning"},
          {"summary", Json::array()},
          {"content", with_part ? Json::array({ReasoningPart(text)}) : Json::array()},
          {"status", status}};
}

Json FunctionCallItem(const std::string& id, const ToolCall& call, const std::string& arguments,
                      const char* status) {
  return {{"id", id},           {"type", "function_call"},
          {"status", status},   {"arguments", arguments},
          {"call_id", call.id}, {"name", call.name}};
}

Json UsageObject(const ResponseEnd& end) {
  const Usage& u = end.usage;
  return {{"input_tokens", u.prompt_tokens},
          {"input_tokens_details",
           {{"cached_tokens", u.cached_prompt_tokens}, {"cache_write_tokens", 0}}},
          {"output_tokens", u.completion_tokens},
          {"output_tokens_details", {{"reasoning_tokens", end.reasoning_tokens}}},
          {"total_tokens", u.prompt_tokens + u.completion_tokens}};
}

}  // namespace

Json ResponseBase(const std::string& id, int64_t created_at, const std::string& model,
                  const ResponsesRequest& r) {
  auto opt = [](const std::optional<float>& v) { return v ? Json(*v) : Json(nullptr); };
  return {{"id", id},
          {"object", "response"},
          {"created_at", created_at},
          {"status", "in_progress"},
          {"background", false},
          {"error", nullptr},
          {"incomplete_details", nullptr},
          {"instructions", r.instructions},
          {"max_output_tokens", r.max_tokens_given ? Json(r.params.max_tokens) : Json(nullptr)},
          {"metadata", r.metadata},
          {"model", model},
          {"output", Json::array()},
          {"parallel_tool_calls", r.forced_tool.parallel},
          {"previous_response_id", nullptr},
          {"reasoning", r.reasoning_echo},
          {"store", false},
          {"temperature", opt(r.temperature)},
          {"text", r.text_echo},
          {"tool_choice", r.tool_choice_echo},
          {"tools", r.tools_echo},
          {"top_p", opt(r.top_p)},
          {"truncation", "disabled"},
          {"usage", nullptr}};
}

Json FinishedResponse(Json base, Json output, const ResponseEnd& end) {
  const bool incomplete = end.reason == FinishReason::kLength;
  base["status"] = incomplete                           ? "incomplete"
                   : end.reason == FinishReason::kAbort ? "cancelled"
                                                        : "completed";
  base["incomplete_details"] = incomplete ? Json{{"reason", "max_output_tokens"}} : Json(nullptr);
  base["output"] = std::move(output);
  base["usage"] = UsageObject(end);
  return base;
}

Json ResponseOutputItems(const ChoiceDelta& total, FinishReason reason) {
  Json items = Json::array();
  if (!total.reasoning.empty())
    items.push_back(ReasoningItem(RandomId("rs_", 24), total.reasoning, "completed", true));
  if (!total.content.empty() || total.tool_calls.empty())
    items.push_back(MessageItem(RandomId("msg_", 24), total.content, ItemStatus(reason), true));
  for (const ToolCall& c : total.tool_calls)
    items.push_back(FunctionCallItem(RandomId("fc_", 24), c, c.arguments, "completed"));
  return items;
}

void ResponsesEventWriter::Event(const char* type, Json payload, std::string* out) {
  Json e = {{"type", type}, {"sequence_number", sequence_number_++}};
  for (auto it = payload.begin(); it != payload.end(); ++it) e[it.key()] = std::move(it.value());
  out->append(SseEvent(type, Dump(e)));
}

void ResponsesEventWriter::Start(std::string* out) {
  Event("response.created", {{"response", base_}}, out);
  Event("response.in_progress", {{"response", base_}}, out);
}

void ResponsesEventWriter::Open(Item kind, std::string* out) {
  if (open_ == kind) return;
  Close(FinishReason::kStop, out);
  open_ = kind;
  open_text_.clear();
  const bool reasoning = kind == Item::kReasoning;
  open_id_ = RandomId(reasoning ? "rs_" : "msg_", 24);
  const int64_t index = static_cast<int64_t>(output_.size());
  Event("response.output_item.added",
        {{"output_index", index},
         {"item", reasoning ? ReasoningItem(open_id_, "", "in_progress", false)
                            : MessageItem(open_id_, "", "in_progress", false)}},
        out);
  Event("response.content_part.added",
        {{"item_id", open_id_},
         {"output_index", index},
         {"content_index", 0},
         {"part", reasoning ? ReasoningPart("") : TextPart("")}},
        out);
}

void ResponsesEventWriter::Close(FinishReason reason, std::string* out) {
  if (open_ == Item::kNone) return;
  const bool reasoning = open_ == Item::kReasoning;
  const int64_t index = static_cast<int64_t>(output_.size());
  Json done = {
      {"item_id", open_id_}, {"output_index", index}, {"content_index", 0}, {"text", open_text_}};
  if (!reasoning) done["logprobs"] = Json::array();
  Event(reasoning ? "response.reasoning_text.done" : "response.output_text.done", std::move(done),
        out);
  Event("response.content_part.done",
        {{"item_id", open_id_},
         {"output_index", index},
         {"content_index", 0},
         {"part", reasoning ? ReasoningPart(open_text_) : TextPart(open_text_)}},
        out);
  Json item = reasoning ? ReasoningItem(open_id_, open_text_, "completed", true)
                        : MessageItem(open_id_, open_text_, ItemStatus(reason), true);
  Event("response.output_item.done", {{"output_index", index}, {"item", item}}, out);
  output_.push_back(std::move(item));
  open_ = Item::kNone;
}

void ResponsesEventWriter::Delta(const ChoiceDelta& d, std::string* out) {
  if (!d.reasoning.empty()) {
    Open(Item::kReasoning, out);
    open_text_ += d.reasoning;
    Event("response.reasoning_text.delta",
          {{"item_id", open_id_},
           {"output_index", static_cast<int64_t>(output_.size())},
           {"content_index", 0},
           {"delta", d.reasoning}},
          out);
  }
  if (!d.content.empty()) {
    Open(Item::kMessage, out);
    open_text_ += d.content;
    Event("response.output_text.delta",
          {{"item_id", open_id_},
           {"output_index", static_cast<int64_t>(output_.size())},
           {"content_index", 0},
           {"delta", d.content},
           {"logprobs", Json::array()}},
          out);
  }
}

void ResponsesEventWriter::Finish(const std::vector<ToolCall>& calls, const ResponseEnd& end,
                                  std::string* out) {
  // A response with no text and no calls still has its (empty) message, as the
  // non-streaming body does.
  const bool has_message =
      open_ == Item::kMessage || (!output_.empty() && output_.back()["type"] == "message");
  if (!has_message && calls.empty()) Open(Item::kMessage, out);
  Close(end.reason, out);
  for (const ToolCall& c : calls) {
    const std::string id = RandomId("fc_", 24);
    const int64_t index = static_cast<int64_t>(output_.size());
    Event("response.output_item.added",
          {{"output_index", index}, {"item", FunctionCallItem(id, c, "", "in_progress")}}, out);
    Event("response.function_call_arguments.delta",
          {{"item_id", id}, {"output_index", index}, {"delta", c.arguments}}, out);
    Event("response.function_call_arguments.done",
          {{"item_id", id}, {"output_index", index}, {"name", c.name}, {"arguments", c.arguments}},
          out);
    Json item = FunctionCallItem(id, c, c.arguments, "completed");
    Event("response.output_item.done", {{"output_index", index}, {"item", item}}, out);
    output_.push_back(std::move(item));
  }
  Json response = FinishedResponse(base_, std::move(output_), end);
  output_ = Json::array();
  const char* type =
      response["status"] == "incomplete" ? "response.incomplete" : "response.completed";
  Event(type, {{"response", std::move(response)}}, out);
}

void ResponsesEventWriter::Error(const std::string& code, const std::string& message,
                                 std::string* out) {
  Close(FinishReason::kAbort, out);
  Event("error", {{"code", code}, {"message", message}, {"param", nullptr}}, out);
}

}  // namespace vllm::api
