// Anthropic Messages API responses: the message object and the stream events
//   message_start -> (content_block_start, content_block_delta*, content_block_stop)* ->
//   message_delta (stop_reason, usage) -> message_stop
// Content blocks: thinking (from the reasoning parser), text, tool_use (parsed tool calls).
#pragma once

#include <string>
#include <vector>

#include "api/choice_text.h"
#include "api/json_fields.h"
#include "engine/request_output.h"

namespace vllm::api {

// stop_reason: end_turn | max_tokens | stop_sequence | tool_use. stop_sequence: the one
// matched, or "" (null).
struct AnthropicStop {
  std::string reason;
  std::string sequence;
};
AnthropicStop ToAnthropicStop(FinishReason r, bool has_tool_calls, const std::string& matched_stop);

Json AnthropicUsage(const Usage& u);
// The content list of a finished message (thinking, text, tool_use blocks in that order).
Json AnthropicContent(const ChoiceDelta& message);
std::string AnthropicMessageBody(const std::string& id, const std::string& model, const ChoiceDelta& message,
                                 const AnthropicStop& stop, const Usage& usage);

// Streaming: turns choice deltas into events, opening and closing blocks as the kind of
// text changes (thinking -> text -> tool_use).
class AnthropicEventWriter {
 public:
  AnthropicEventWriter(std::string id, std::string model) : id_(std::move(id)), model_(std::move(model)) {}
  // message_start; its usage splits the prompt like message_delta's (input vs cache read).
  void Start(const Usage& usage, std::string* out);
  void Delta(const ChoiceDelta& d, std::string* out);
  void Finish(const AnthropicStop& stop, const Usage& usage, std::string* out);
  // An error after message_start (timeout): Anthropic's "error" event.
  static std::string ErrorEvent(const std::string& error_json);

 private:
  enum class Block { kNone, kThinking, kText };
  void Open(Block b, std::string* out);
  void Close(std::string* out);
  std::string id_, model_;
  Block open_ = Block::kNone;
  int index_ = 0;  // index of the next block
};

}  // namespace vllm::api
