// POST /v1/chat/completions
#include "api/chat_prompt.h"
#include "api/chat_request.h"
#include "api/ids.h"
#include "api/openai_response.h"
#include "api/sse.h"
#include "api/structured_output_fields.h"
#include "server/choice_set.h"
#include "server/collect.h"
#include "server/handlers.h"
#include "server/http_util.h"
#include "server/openai_stream.h"

namespace vllm::server {

namespace {

using api::Json;

// Streams chat.completion.chunk events: a role chunk per choice, content / reasoning /
// tool-call deltas, a finish chunk per choice, the usage chunk when asked, then [DONE].
class ChatStream : public OpenAiStream {
 public:
  ChatStream(ServerContext& ctx, api::ResponseHeader h, std::unique_ptr<OutputPump> pump, ChoiceSet choices,
             bool logprobs, bool include_usage)
      : OpenAiStream(ctx, std::move(h), std::move(pump), std::move(choices), include_usage, "chat.completion.chunk"),
        logprobs_(logprobs) {}

 private:
  void Open(std::string* out) override {
    for (int32_t i = 0; i < choices_.size(); ++i)
      out->append(api::SseData(api::ChatChunkBody(h_, i, Json{{"role", "assistant"}, {"content", ""}}, "", nullptr)));
  }

  void Emit(const RequestOutput& o, std::string* out) override {
    api::ChoiceDelta d = choices_.Apply(o);
    Json lps = logprobs_ && !o.logprobs.empty() ? api::ChatLogprobsJson(o.logprobs, *ctx_.tokenizer) : Json(nullptr);
    if (!d.reasoning.empty() || !d.content.empty() || !lps.is_null()) {
      Json delta = Json::object();
      if (!d.reasoning.empty()) delta["reasoning_content"] = d.reasoning;
      if (!d.content.empty() || !lps.is_null()) delta["content"] = d.content;
      out->append(api::SseData(api::ChatChunkBody(h_, o.index, delta, "", lps)));
    }
    if (!d.tool_calls.empty())
      out->append(api::SseData(api::ChatChunkBody(h_, o.index, Json{{"tool_calls", api::ToolCallsJson(d.tool_calls, true)}}, "", nullptr)));
    if (o.finished) {
      const ChoiceState& c = ObserveFinished(o.index);
      out->append(api::SseData(api::ChatChunkBody(h_, o.index, Json::object(),
                                                  api::OpenAiFinishReason(o.finish_reason, !c.total.tool_calls.empty()), nullptr)));
    }
  }

  bool logprobs_;
};

}  // namespace

void HandleChatCompletions(ServerContext& ctx, const Request& req, Response& res) {
  auto fail = [&](const api::ApiError& e) { ReplyError(res, e); };
  auto body = api::ParseBody(req.body);
  if (!body.ok()) return fail(api::FromStatus(body.status()));
  auto r = api::ParseChatRequest(std::move(body.value()), ctx.config.limits);
  if (!r.ok()) return fail(api::FromStatus(r.status()));
  if (auto e = CheckModel(ctx, r->model)) return fail(*e);
  if (r->forced_tool.required) {  // before the tools move into the template
    auto so = api::ToolCallConstraint(r->forced_tool, r->tools, api::ToolCallSyntaxOf(ctx.tokenizer->chat_template()));
    if (!so.ok()) return fail(api::FromStatus(so.status()));
    r->params.structured = std::move(so.value());
  }
  std::optional<api::ReasoningStyle> reasoning = ctx.config.reasoning;
  if (reasoning && !ThinkingEnabled(ctx, r->chat_template_kwargs)) reasoning.reset();
  // A constrained output starts at its first token: there is no reasoning block to split off.
  if (r->params.structured.active()) reasoning.reset();
  auto prompt = EncodeChat(ctx, std::move(r->messages), r->tools_enabled ? std::move(r->tools) : Json(nullptr),
                           std::move(r->chat_template_kwargs), r->add_generation_prompt, r->continue_final_message);
  if (!prompt.ok()) return fail(api::FromStatus(prompt.status()));
  if (!r->max_tokens_given) ClipDefaultMaxTokens(ctx, prompt->size(), &r->params);

  const api::ResponseHeader h{.id = api::RandomId("chatcmpl-", 24), .created = UnixNow(), .model = ctx.config.served_model_name};
  ChoiceSet choices(r->params.n, r->params.n, reasoning, r->tools_enabled);
  auto pump = std::make_unique<OutputPump>(ctx.engine, Deadline(ctx), &ctx.engine_stopped);
  EngineRequest er{.request_id = h.id, .prompt_token_ids = std::move(prompt.value()), .params = r->params};
  if (auto e = Submit(ctx, std::move(er), 0, pump.get())) return fail(*e);

  if (r->stream)
    return ReplyStream(res, std::make_shared<ChatStream>(ctx, h, std::move(pump), std::move(choices), r->logprobs, r->include_usage));
  const bool logprobs = r->logprobs;
  const int32_t prompt_logprobs = r->prompt_logprobs.value_or(-1);
  res.pending = std::make_shared<CollectReply>(
      ctx, std::move(pump), std::move(choices), ErrorStyle::kOpenAi,
      [&ctx, h, logprobs, prompt_logprobs](ChoiceSet& c, Response* out) {
        ReplyJson(*out, api::ChatCompletionBody(h, c.Finished(logprobs, -1, prompt_logprobs), c.TotalUsage(),
                                                *ctx.tokenizer));
      });
}

}  // namespace vllm::server
