#include "server/http_util.h"

#include <algorithm>

#include <chrono>

#include "api/chat_prompt.h"

namespace vllm::server {

void ReplyError(Response& res, const api::ApiError& e, ErrorStyle style) {
  res.status = e.http_status;
  res.SetContent(style == ErrorStyle::kAnthropic ? api::ToAnthropicJson(e) : api::ToOpenAiJson(e), "application/json");
}

void ReplyJson(Response& res, std::string body, int status) {
  res.status = status;
  res.SetContent(std::move(body), "application/json");
}

void ReplyStream(Response& res, std::shared_ptr<SseSession> session) {
  res.status = 200;
  res.content_type = "text/event-stream";
  res.SetHeader("Cache-Control", "no-cache");
  res.SetHeader("X-Accel-Buffering", "no");
  res.stream = std::move(session);
}

OutputPump::Clock::time_point Deadline(const ServerContext& ctx) {
  return OutputPump::Clock::now() +
         std::chrono::duration_cast<OutputPump::Clock::duration>(std::chrono::duration<double>(ctx.config.timeout_s));
}

int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::optional<api::ApiError> Submit(ServerContext& ctx, EngineRequest req, int32_t index_offset, OutputPump* pump) {
  if (ctx.draining) return api::Overloaded("the server is shutting down");
  // Admission counts every sequence the engine holds against running capacity + queue depth.
  // Counting only "waiting" raced with the engine thread: a request it has just taken from its
  // input queue is scheduled (running or waiting) only when that step ends.
  const EngineStats st = ctx.engine->Stats();
  const int64_t in_engine = st.num_running + st.num_waiting;
  const int64_t capacity = static_cast<int64_t>(ctx.engine->config().max_num_seqs);
  if (in_engine >= capacity + ctx.config.max_waiting_requests)
    return api::Overloaded("the server is overloaded: " + std::to_string(std::max<int64_t>(in_engine - capacity, 0)) +
                           " requests are already waiting (limit " + std::to_string(ctx.config.max_waiting_requests) + ")");
  const std::string id = req.request_id;
  const int64_t prompt_len = static_cast<int64_t>(req.prompt_token_ids.size());
  // Too long for the context: a classifiable error (clients fall back to a larger model on
  // context_length_exceeded). max_model_len is already within what the KV cache holds.
  if (prompt_len + req.params.max_tokens > ctx.engine->max_model_len())
    return api::ContextLengthExceeded(prompt_len, req.params.max_tokens, ctx.engine->max_model_len(),
                                      int64_t{st.kv_blocks_total} * st.block_size);
  auto stream = ctx.engine->Submit(std::move(req));
  if (!stream.ok()) return api::FromStatus(stream.status());
  ctx.metrics.CountPromptTokens(prompt_len);
  pump->Add({.request_id = id, .stream = std::move(stream.value()), .index_offset = index_offset});
  return std::nullopt;
}

std::optional<api::ApiError> CheckModel(const ServerContext& ctx, const std::string& model) {
  if (model.empty() || model == ctx.config.served_model_name) return std::nullopt;
  for (const std::string& alias : ctx.config.served_model_aliases)
    if (model == alias) return std::nullopt;
  return api::NotFound("the model '" + model + "' does not exist; this server serves '" + ctx.config.served_model_name + "'",
                       "model_not_found");
}

api::Json TemplateKwargs(const ServerContext& ctx, api::Json request_kwargs) {
  api::Json kw = ctx.config.default_chat_template_kwargs;  // the operator's, from the CLI
  for (auto it = request_kwargs.begin(); it != request_kwargs.end(); ++it) kw[it.key()] = std::move(it.value());
  return kw;
}

bool ThinkingEnabled(const ServerContext& ctx, const api::Json& request_kwargs) {
  const api::Json& kw = request_kwargs.contains("enable_thinking") ? request_kwargs : ctx.config.default_chat_template_kwargs;
  return api::ThinkingEnabled(kw);
}

Result<std::vector<int32_t>> EncodeChat(const ServerContext& ctx, api::Json messages, api::Json tools,
                                        api::Json request_kwargs, bool add_generation_prompt,
                                        bool continue_final_message) {
  if (!ctx.chat_template) return InvalidArgument("this model's tokenizer has no chat template; use /v1/completions");
  api::ChatPromptInput in{.messages = std::move(messages),
                          .tools = std::move(tools),
                          .template_kwargs = TemplateKwargs(ctx, std::move(request_kwargs)),
                          .add_generation_prompt = add_generation_prompt,
                          .continue_final_message = continue_final_message};
  ASSIGN_OR_RETURN(std::string text, api::RenderChatPrompt(*ctx.chat_template, *ctx.tokenizer, std::move(in)));
  return ctx.tokenizer->Encode(text, /*add_special_tokens=*/false);
}

void ClipDefaultMaxTokens(const ServerContext& ctx, size_t prompt_len, SamplingParams* p) {
  const int64_t left = ctx.engine->max_model_len() - static_cast<int64_t>(prompt_len);
  if (left >= 1 && p->max_tokens > left) p->max_tokens = static_cast<int32_t>(left);
}

}  // namespace vllm::server
