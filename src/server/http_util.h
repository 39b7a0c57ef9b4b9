// Small pieces every handler uses: error and JSON replies, the request's deadline, and
// submission to the engine with the overload check.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "api/api_error.h"
#include "server/http_message.h"
#include "server/output_pump.h"
#include "server/server_context.h"

namespace vllm::server {

enum class ErrorStyle { kOpenAi, kAnthropic };

void ReplyError(Response& res, const api::ApiError& e, ErrorStyle style = ErrorStyle::kOpenAi);
void ReplyJson(Response& res, std::string body, int status = 200);
// A 200 text/event-stream response whose events the StreamHub takes from `session`.
void ReplyStream(Response& res, std::shared_ptr<SseSession> session);

OutputPump::Clock::time_point Deadline(const ServerContext& ctx);
int64_t UnixNow();

// 503 while draining or when the waiting queue is over its limit; otherwise submits.
std::optional<api::ApiError> Submit(ServerContext& ctx, EngineRequest req, int32_t index_offset, OutputPump* pump);

// The model a request names must be the served one (absent = the served one).
std::optional<api::ApiError> CheckModel(const ServerContext& ctx, const std::string& model);

// Encodes the chat prompt for messages/tools (400 when the tokenizer has no chat template).
// The JSON is taken by value: callers move the request's parts in (never a deep copy).
Result<std::vector<int32_t>> EncodeChat(const ServerContext& ctx, api::Json messages, api::Json tools,
                                        api::Json request_kwargs, bool add_generation_prompt,
                                        bool continue_final_message);

// max_tokens when the request gave none: the server default, clipped to the context left.
void ClipDefaultMaxTokens(const ServerContext& ctx, size_t prompt_len, SamplingParams* p);

// Merged template kwargs: server defaults overlaid by the request's (moved in).
api::Json TemplateKwargs(const ServerContext& ctx, api::Json request_kwargs);
// enable_thinking as the merged kwargs would say, without merging them.
bool ThinkingEnabled(const ServerContext& ctx, const api::Json& request_kwargs);

}  // namespace vllm::server
