// OpenAI response bodies (chat.completion, chat.completion.chunk, text_completion) built
// from plain results. Field order follows OpenAI's own responses.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/choice_text.h"
#include "api/json_fields.h"
#include "engine/request_output.h"
#include "tokenizer/tokenizer.h"

namespace vllm::api {

// What every body of one response shares.
struct ResponseHeader {
  std::string id;       // chatcmpl-... / cmpl-..., the same in every chunk of a stream
  int64_t created = 0;  // unix seconds
  std::string model;
};

struct FinishedChoice {
  int32_t index = 0;
  ChoiceDelta message;        // chat: reasoning / content / tool calls; completions: content
  std::string finish_reason;  // stop | length | tool_calls | abort
  bool want_logprobs = false;
  std::vector<TokenLogprob> logprobs;
};

Json UsageJson(const Usage& u);
Json ToolCallsJson(const std::vector<ToolCall>& calls, bool with_index);
// chat: {"content": [{"token", "logprob", "bytes", "top_logprobs": [...]}, ...]}
Json ChatLogprobsJson(const std::vector<TokenLogprob>& lps, const Tokenizer& tok);
// Characters (code points) in UTF-8 text: OpenAI's text_offset counts characters, not bytes.
size_t Utf8Length(std::string_view s);
// completions: {"tokens", "token_logprobs", "top_logprobs", "text_offset"}; text_offset0 in characters
Json CompletionLogprobsJson(const std::vector<TokenLogprob>& lps, const Tokenizer& tok, size_t text_offset0);

std::string ChatCompletionBody(const ResponseHeader& h, const std::vector<FinishedChoice>& choices,
                               const Usage& usage, const Tokenizer& tok);
// One chunk with one choice; finish_reason "" = null; logprobs may be null.
std::string ChatChunkBody(const ResponseHeader& h, int32_t index, const Json& delta,
                          const std::string& finish_reason, const Json& logprobs);
// The final usage chunk of a stream: "choices": [] and "usage".
std::string UsageChunkBody(const ResponseHeader& h, const char* object, const Usage& usage);

std::string CompletionBody(const ResponseHeader& h, const std::vector<FinishedChoice>& choices,
                           const std::vector<std::string>& echo_prefix, const Usage& usage, const Tokenizer& tok);
std::string CompletionChunkBody(const ResponseHeader& h, int32_t index, const std::string& text,
                                const std::string& finish_reason, const Json& logprobs);

// Engine finish reason + whether tool calls were parsed -> OpenAI finish_reason.
std::string OpenAiFinishReason(FinishReason r, bool has_tool_calls);

}  // namespace vllm::api
