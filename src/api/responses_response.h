// OpenAI Responses API output: the response object and its stream events, built from the
// same ChoiceDelta pipeline as chat (reasoning parser -> tool-call parser). Output items,
// in order: a reasoning item (when the reasoning parser split any off), a message item with
// one output_text part (unless the output was tool calls only), one function_call item per
// tool call. Stream events (each "event: <type>\ndata: {..., "sequence_number"}"):
//
//   response.created, response.in_progress
//   per text item: response.output_item.added, response.content_part.added,
//     response.{reasoning_text | output_text}.delta*, response.{...}.done,
//     response.content_part.done, response.output_item.done
//   per tool call: response.output_item.added, response.function_call_arguments.delta,
//     response.function_call_arguments.done, response.output_item.done
//   response.completed (or response.incomplete when max_output_tokens ran out)
//
// Tool calls come whole at the end (the parser only knows a call once it closed), so their
// arguments arrive in one delta.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "api/choice_text.h"
#include "api/json_fields.h"
#include "api/responses_request.h"
#include "engine/request_output.h"

namespace vllm::api {

// How a response ended: what the final response object needs beyond its output items.
struct ResponseEnd {
  FinishReason reason = FinishReason::kStop;
  Usage usage;
  int64_t reasoning_tokens = 0;  // of usage.completion_tokens
};

// The response object as created: id, created_at, model and the request's settings echoed
// (instructions, tools, tool_choice, text, sampling, metadata); status "in_progress", output
// [], usage null, store false (nothing is stored).
Json ResponseBase(const std::string& id, int64_t created_at, const std::string& model,
                  const ResponsesRequest& r);

// `base`: the response object as created (id, created_at, model and the request's echoed
// settings; status "in_progress", output [], usage null). Returns the finished object.
Json FinishedResponse(Json base, Json output, const ResponseEnd& end);

// The output items of a finished choice (non-streaming responses).
Json ResponseOutputItems(const ChoiceDelta& total, FinishReason reason);

class ResponsesEventWriter {
 public:
  explicit ResponsesEventWriter(Json base) : base_(std::move(base)) {}
  void Start(std::string* out);  // response.created, response.in_progress
  void Delta(const ChoiceDelta& d, std::string* out);
  // Closes the open item, writes the tool calls' items and response.completed / .incomplete.
  void Finish(const std::vector<ToolCall>& calls, const ResponseEnd& end, std::string* out);
  // An "error" event (the request timed out mid-stream).
  void Error(const std::string& code, const std::string& message, std::string* out);

 private:
  enum class Item { kNone, kReasoning, kMessage };
  void Event(const char* type, Json payload, std::string* out);
  void Open(Item kind, std::string* out);
  void Close(FinishReason reason, std::string* out);

  Json base_;
  Json output_ = Json::array();  // closed items, as response.completed lists them
  Item open_ = Item::kNone;
  std::string open_id_;
  std::string open_text_;
  int64_t sequence_number_ = 0;
};

}  // namespace vllm::api
