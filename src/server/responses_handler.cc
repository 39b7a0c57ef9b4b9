// POST /v1/responses (OpenAI Responses API) on the chat path: the items become chat
// messages (api/responses_request.h), the output runs through the same ChoiceSet pipeline
// (reasoning parser, tool-call parser, grammar constraints) and comes back as response
// output items or stream events (api/responses_response.h). Stateless: nothing is stored,
// so GET / DELETE /v1/responses/{id} and .../cancel answer 404 saying so.
#include "api/ids.h"
#include "api/responses_request.h"
#include "api/responses_response.h"
#include "server/choice_set.h"
#include "server/collect.h"
#include "server/handlers.h"
#include "server/http_util.h"

namespace vllm::server {

namespace {

// Reasoning tokens of a finished choice: its reasoning text re-encoded (the engine counts
// output tokens, not which part of the text they became).
int64_t ReasoningTokens(const ServerContext& ctx, const ChoiceState& c) {
  if (c.total.reasoning.empty()) return 0;
  auto ids = ctx.tokenizer->Encode(c.total.reasoning, /*add_special_tokens=*/false);
  return ids.ok() ? std::min<int64_t>(static_cast<int64_t>(ids->size()), c.usage.completion_tokens)
                  : 0;
}

api::ResponseEnd EndOf(const ServerContext& ctx, const ChoiceSet& choices, const ChoiceState& c) {
  return {.reason = c.reason,
          .usage = choices.TotalUsage(),
          .reasoning_tokens = ReasoningTokens(ctx, c)};
}

class ResponsesStream : public SseSession {
 public:
  ResponsesStream(ServerContext& ctx, api::Json base, std::unique_ptr<OutputPump> pump,
                  ChoiceSet choices)
      : ctx_(ctx), writer_(std::move(base)), pump_(std::move(pump)), choices_(std::move(choices)) {}

  bool Step(std::string* out) override {
    if (!started_) {
      started_ = true;
      writer_.Start(out);
      return true;
    }
    RequestOutput o;
    switch (pump_->Next(&o, std::chrono::milliseconds(0))) {
      case OutputPump::Event::kIdle:
        return true;
      case OutputPump::Event::kOutput:
        writer_.Delta(choices_.Apply(o), out);
        return true;
      case OutputPump::Event::kTimeout:
        pump_->AbortAll();
        writer_.Error("timeout", api::Timeout(ctx_.config.timeout_s).message, out);
        return false;
      case OutputPump::Event::kDone:
        break;
    }
    const ChoiceState& c = choices_.choice(0);
    const double e2e = std::chrono::duration<double>(OutputPump::Clock::now() - t_start_).count();
    ctx_.metrics.ObserveGeneration(c.t_first_token_s, e2e,
                                   static_cast<int64_t>(c.token_ids.size()));
    writer_.Finish(c.total.tool_calls, EndOf(ctx_, choices_, c), out);
    return false;
  }

  void Cancel() override { pump_->AbortAll(); }

 private:
  ServerContext& ctx_;
  api::ResponsesEventWriter writer_;
  std::unique_ptr<OutputPump> pump_;
  ChoiceSet choices_;
  bool started_ = false;
  OutputPump::Clock::time_point t_start_ = OutputPump::Clock::now();
};

}  // namespace

void HandleResponses(ServerContext& ctx, const Request& req, Response& res) {
  auto fail = [&](const api::ApiError& e) { ReplyError(res, e); };
  auto body = api::ParseBody(req.body);
  if (!body.ok()) return fail(api::FromStatus(body.status()));
  auto r = api::ParseResponsesRequest(std::move(body.value()), ctx.config.limits);
  if (!r.ok()) return fail(api::FromStatus(r.status()));
  if (auto e = CheckModel(ctx, r->model)) return fail(*e);
  if (r->forced_tool.required) {  // before the tools move into the template
    auto so = api::ToolCallConstraint(r->forced_tool, r->tools,
                                      api::ToolCallSyntaxOf(ctx.tokenizer->chat_template()));
    if (!so.ok()) return fail(api::FromStatus(so.status()));
    r->params.structured = std::move(so.value());
  }
  std::optional<api::ReasoningStyle> reasoning = ctx.config.reasoning;
  if (reasoning && !ThinkingEnabled(ctx, r->template_kwargs)) reasoning.reset();
  // A constrained output starts at its first token: there is no reasoning block to split off.
  if (r->params.structured.active()) reasoning.reset();
  const std::string id = api::RandomId("resp_", 24);
  api::Json base = api::ResponseBase(id, UnixNow(), ctx.config.served_model_name, r.value());
  auto prompt = EncodeChat(ctx, std::move(r->messages),
                           r->tools_enabled ? std::move(r->tools) : api::Json(nullptr),
                           std::move(r->template_kwargs), /*add_generation_prompt=*/true,
                           /*continue_final_message=*/false);
  if (!prompt.ok()) return fail(api::FromStatus(prompt.status()));
  if (!r->max_tokens_given) ClipDefaultMaxTokens(ctx, prompt->size(), &r->params);

  ChoiceSet choices(1, 1, reasoning, r->tools_enabled);
  auto pump = std::make_unique<OutputPump>(ctx.engine, Deadline(ctx), &ctx.engine_stopped);
  EngineRequest er{
      .request_id = id, .prompt_token_ids = std::move(prompt.value()), .params = r->params};
  if (auto e = Submit(ctx, std::move(er), 0, pump.get())) return fail(*e);
  if (r->stream)
    return ReplyStream(res, std::make_shared<ResponsesStream>(ctx, std::move(base), std::move(pump),
                                                              std::move(choices)));
  res.pending = std::make_shared<CollectReply>(
      ctx, std::move(pump), std::move(choices), ErrorStyle::kOpenAi,
      [&ctx, base = std::move(base)](ChoiceSet& choices, Response* out) {
        const ChoiceState& c = choices.choice(0);
        ReplyJson(*out,
                  api::Dump(api::FinishedResponse(base, api::ResponseOutputItems(c.total, c.reason),
                                                  EndOf(ctx, choices, c))));
      });
}

void HandleStoredResponse(ServerContext& ctx, const Request& req, Response& res) {
  (void)ctx;
  ReplyError(res, api::NotFound(
                      "no stored response at " + req.path +
                      ": this server is stateless and stores no responses (requests are served as "
                      "store: false)"));
}

}  // namespace vllm::server
