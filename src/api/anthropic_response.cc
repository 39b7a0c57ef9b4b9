#include "api/anthropic_response.h"

#include "api/bounded_json.h"
#include "api/sse.h"

namespace vllm::api {

AnthropicStop ToAnthropicStop(FinishReason r, bool has_tool_calls, const std::string& matched_stop) {
  if (has_tool_calls) return {"tool_use", ""};
  if (r == FinishReason::kLength) return {"max_tokens", ""};
  if (!matched_stop.empty()) return {"stop_sequence", matched_stop};
  return {"end_turn", ""};
}

// Anthropic's input_tokens excludes tokens read from the cache: the prompt is
// input_tokens + cache_creation_input_tokens + cache_read_input_tokens.
Json AnthropicUsage(const Usage& u) {
  return Json{{"input_tokens", u.prompt_tokens - u.cached_prompt_tokens}, {"output_tokens", u.completion_tokens},
              {"cache_creation_input_tokens", 0}, {"cache_read_input_tokens", u.cached_prompt_tokens}};
}

namespace {
Json ToolUseBlock(const ToolCall& c, bool with_input) {
  Json input = Json::object();
  if (with_input) {
    input = ParseBoundedJson(c.arguments).value;
    if (input.is_discarded() || !input.is_object()) input = Json::object();
  }
  std::string id = c.id;
  if (id.rfind("call_", 0) == 0) id = "toolu_" + id.substr(5);
  return Json{{"type", "tool_use"}, {"id", id}, {"name", c.name}, {"input", std::move(input)}};
}
}  // namespace

Json AnthropicContent(const ChoiceDelta& m) {
  Json content = Json::array();
  if (!m.reasoning.empty()) content.push_back({{"type", "thinking"}, {"thinking", m.reasoning}, {"signature", ""}});
  if (!m.content.empty() || (m.reasoning.empty() && m.tool_calls.empty()))
    content.push_back({{"type", "text"}, {"text", m.content}});
  for (const ToolCall& c : m.tool_calls) content.push_back(ToolUseBlock(c, true));
  return content;
}

std::string AnthropicMessageBody(const std::string& id, const std::string& model, const ChoiceDelta& message,
                                 const AnthropicStop& stop, const Usage& usage) {
  const Json body = {{"id", id}, {"type", "message"}, {"role", "assistant"}, {"model", model},
                     {"content", AnthropicContent(message)},
                     {"stop_reason", stop.reason},
                     {"stop_sequence", stop.sequence.empty() ? Json(nullptr) : Json(stop.sequence)},
                     {"usage", AnthropicUsage(usage)}};
  return Dump(body);
}

void AnthropicEventWriter::Start(const Usage& usage, std::string* out) {
  Usage start = usage;
  start.completion_tokens = 0;
  const Json msg = {{"id", id_}, {"type", "message"}, {"role", "assistant"}, {"model", model_},
                    {"content", Json::array()}, {"stop_reason", nullptr}, {"stop_sequence", nullptr},
                    {"usage", AnthropicUsage(start)}};
  out->append(SseEvent("message_start", Dump(Json{{"type", "message_start"}, {"message", msg}})));
}

void AnthropicEventWriter::Open(Block b, std::string* out) {
  if (open_ == b) return;
  Close(out);
  const Json block = b == Block::kThinking ? Json{{"type", "thinking"}, {"thinking", ""}, {"signature", ""}}
                                           : Json{{"type", "text"}, {"text", ""}};
  out->append(SseEvent("content_block_start", Dump(Json{{"type", "content_block_start"}, {"index", index_}, {"content_block", block}})));
  open_ = b;
}

void AnthropicEventWriter::Close(std::string* out) {
  if (open_ == Block::kNone) return;
  out->append(SseEvent("content_block_stop", Dump(Json{{"type", "content_block_stop"}, {"index", index_}})));
  open_ = Block::kNone;
  ++index_;
}

void AnthropicEventWriter::Delta(const ChoiceDelta& d, std::string* out) {
  if (!d.reasoning.empty()) {
    Open(Block::kThinking, out);
    out->append(SseEvent("content_block_delta",
                         Dump(Json{{"type", "content_block_delta"}, {"index", index_},
                                   {"delta", {{"type", "thinking_delta"}, {"thinking", d.reasoning}}}})));
  }
  if (!d.content.empty()) {
    Open(Block::kText, out);
    out->append(SseEvent("content_block_delta", Dump(Json{{"type", "content_block_delta"}, {"index", index_},
                                                          {"delta", {{"type", "text_delta"}, {"text", d.content}}}})));
  }
  for (const ToolCall& c : d.tool_calls) {
    Close(out);
    out->append(SseEvent("content_block_start", Dump(Json{{"type", "content_block_start"}, {"index", index_},
                                                          {"content_block", ToolUseBlock(c, false)}})));
    out->append(SseEvent("content_block_delta", Dump(Json{{"type", "content_block_delta"}, {"index", index_},
                                                          {"delta", {{"type", "input_json_delta"}, {"partial_json", c.arguments}}}})));
    out->append(SseEvent("content_block_stop", Dump(Json{{"type", "content_block_stop"}, {"index", index_}})));
    ++index_;
  }
}

void AnthropicEventWriter::Finish(const AnthropicStop& stop, const Usage& usage, std::string* out) {
  if (index_ == 0 && open_ == Block::kNone) Open(Block::kText, out);  // a message always has a block
  Close(out);
  out->append(SseEvent("message_delta",
                       Dump(Json{{"type", "message_delta"},
                                 {"delta", {{"stop_reason", stop.reason},
                                            {"stop_sequence", stop.sequence.empty() ? Json(nullptr) : Json(stop.sequence)}}},
                                 {"usage", AnthropicUsage(usage)}})));
  out->append(SseEvent("message_stop", R"({"type":"message_stop"})"));
}

std::string AnthropicEventWriter::ErrorEvent(const std::string& error_json) { return SseEvent("error", error_json); }

}  // namespace vllm::api
