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
  std::vector<TokenLogprob> prompt_logprobs;  // one per prompt token (RequestOutput's layout)
  int32_t echo_logprobs = -1;    // completions echo + logprobs: the prompt's part, top-n; -1 none
  int32_t prompt_logprobs_n = -1;  // vLLM's prompt_logprobs field, top-n; -1 none
};

Json UsageJson(const Usage& u);
Json ToolCallsJson(const std::vector<ToolCall>& calls, bool with_index);
// chat: {"content": [{"token", "logprob", "bytes", "top_logprobs": [...]}, ...]}
Json ChatLogprobsJson(const std::vector<TokenLogprob>& lps, const Tokenizer& tok);
// Characters (code points) in UTF-8 text: OpenAI's text_offset counts characters, not bytes.
size_t Utf8Length(std::string_view s);
// completions: {"tokens", "token_logprobs", "top_logprobs", "text_offset"}; text_offset0 in characters
Json CompletionLogprobsJson(const std::vector<TokenLogprob>& lps, const Tokenizer& tok, size_t text_offset0);
// completions with echo: the prompt's tokens first (the first one's logprob and top_logprobs
// null; the others' top_logprobs hold the top-n and the token itself, as OpenAI's do), then
// the generated ones; text offsets run from 0 over the token texts.
Json EchoLogprobsJson(const std::vector<TokenLogprob>& prompt, int32_t top_n,
                      const std::vector<TokenLogprob>& lps, const Tokenizer& tok);
// vLLM's prompt_logprobs: [null, {"<id>": {"logprob", "rank", "decoded_token"}, ...}, ...],
// each dict the prompt token and the top-n alternatives.
Json PromptLogprobsJson(const std::vector<TokenLogprob>& prompt, int32_t top_n, const Tokenizer& tok);

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
