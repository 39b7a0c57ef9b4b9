// POST /v1/messages and /v1/messages/count_tokens (Anthropic Messages API). Errors use
// Anthropic's shape.
#include "api/anthropic_request.h"
#include "api/anthropic_response.h"
#include "api/chat_prompt.h"
#include "api/ids.h"
#include "api/structured_output_fields.h"
#include "server/choice_set.h"
#include "server/collect.h"
#include "server/handlers.h"
#include "server/http_util.h"

namespace vllm::server {

namespace {

constexpr const char* kEndpoint = "/v1/messages";

// The stop sequence that ended the choice ("" when none did): the engine reports its index.
std::string MatchedStop(const ChoiceState& c, const std::vector<std::string>& stops) {
  if (c.reason != FinishReason::kStop || c.stop_string_index < 0) return "";
  return c.stop_string_index < static_cast<int32_t>(stops.size()) ? stops[c.stop_string_index] : "";
}

class MessagesStream : public SseSession {
 public:
  MessagesStream(ServerContext& ctx, std::string id, std::unique_ptr<OutputPump> pump, ChoiceSet choices,
                 std::vector<std::string> stops, int64_t input_tokens)
      : ctx_(ctx), writer_(id, ctx.config.served_model_name), pump_(std::move(pump)), choices_(std::move(choices)),
        stops_(std::move(stops)), input_tokens_(input_tokens) {}

  // message_start waits for the first engine output: only then is the prefix-cache hit
  // known, so its usage (input vs cache-read tokens) agrees with message_delta's.
  bool Step(std::string* out) override {
    RequestOutput o;
    const OutputPump::Event event = pump_->Next(&o, std::chrono::milliseconds(0));
    if (!started_ && event != OutputPump::Event::kIdle) {
      started_ = true;
      Usage u{.prompt_tokens = input_tokens_};
      if (event == OutputPump::Event::kOutput && o.usage.prompt_tokens > 0) u = o.usage;
      writer_.Start(u, out);
    }
    switch (event) {
      case OutputPump::Event::kIdle: return true;
      case OutputPump::Event::kOutput: writer_.Delta(choices_.Apply(o), out); return true;
      case OutputPump::Event::kTimeout:
        pump_->AbortAll();
        out->append(api::AnthropicEventWriter::ErrorEvent(api::ToAnthropicJson(api::Timeout(ctx_.config.timeout_s))));
        return false;
      case OutputPump::Event::kDone: break;
    }
    const ChoiceState& c = choices_.choice(0);
    const double e2e = std::chrono::duration<double>(OutputPump::Clock::now() - t_start_).count();
    ctx_.metrics.ObserveGeneration(c.t_first_token_s, e2e, static_cast<int64_t>(c.token_ids.size()));
    writer_.Finish(api::ToAnthropicStop(c.reason, !c.total.tool_calls.empty(), MatchedStop(c, stops_)),
                   choices_.TotalUsage(), out);
    return false;
  }

  void Cancel() override { pump_->AbortAll(); }

 private:
  ServerContext& ctx_;
  api::AnthropicEventWriter writer_;
  std::unique_ptr<OutputPump> pump_;
  ChoiceSet choices_;
  std::vector<std::string> stops_;
  int64_t input_tokens_;
  bool started_ = false;
  OutputPump::Clock::time_point t_start_ = OutputPump::Clock::now();
};

// Moves the messages, tools and kwargs out of `r`.
Result<std::vector<int32_t>> EncodeMessages(ServerContext& ctx, api::MessagesRequest& r) {
  return EncodeChat(ctx, std::move(r.messages), r.tools_enabled ? std::move(r.tools) : api::Json(nullptr),
                    std::move(r.template_kwargs), true, false);
}

}  // namespace

void HandleMessages(ServerContext& ctx, const Request& req, Response& res) {
  auto fail = [&](const api::ApiError& e) { ReplyError(res, e, ErrorStyle::kAnthropic); };
  auto body = api::ParseBody(req.body);
  if (!body.ok()) return fail(api::FromStatus(body.status()));
  auto r = api::ParseMessagesRequest(std::move(body.value()), ctx.config.limits, /*count_tokens=*/false);
  if (!r.ok()) return fail(api::FromStatus(r.status()));
  if (auto e = CheckModel(ctx, r->model)) return fail(*e);
  if (r->forced_tool.required) {  // before the tools move into the template
    auto so = api::ToolCallConstraint(r->forced_tool, r->tools, api::ToolCallSyntaxOf(ctx.tokenizer->chat_template()));
    if (!so.ok()) return fail(api::FromStatus(so.status()));
    r->params.structured = std::move(so.value());
  }
  std::optional<api::ReasoningStyle> reasoning = ctx.config.reasoning;
  if (reasoning && !ThinkingEnabled(ctx, r->template_kwargs)) reasoning.reset();
  // A constrained output starts at its first token: there is no reasoning block to split off.
  if (r->params.structured.active()) reasoning.reset();
  auto prompt = EncodeMessages(ctx, r.value());
  if (!prompt.ok()) return fail(api::FromStatus(prompt.status()));

  const std::string id = api::RandomId("msg_", 24);
  ChoiceSet choices(1, 1, reasoning, r->tools_enabled);
  auto pump = std::make_unique<OutputPump>(ctx.engine, Deadline(ctx), &ctx.engine_stopped);
  const int64_t input_tokens = static_cast<int64_t>(prompt->size());
  EngineRequest er{.request_id = id, .prompt_token_ids = std::move(prompt.value()), .params = r->params};
  if (auto e = Submit(ctx, std::move(er), 0, pump.get())) return fail(*e);
  if (r->stream)
    return ReplyStream(res, std::make_shared<MessagesStream>(ctx, id, std::move(pump), std::move(choices),
                                                             r->stop_sequences, input_tokens));
  res.pending = std::make_shared<CollectReply>(
      ctx, std::move(pump), std::move(choices), ErrorStyle::kAnthropic,
      [&ctx, id, stops = std::move(r->stop_sequences)](ChoiceSet& choices, Response* out) {
        const ChoiceState& c = choices.choice(0);
        const api::AnthropicStop stop =
            api::ToAnthropicStop(c.reason, !c.total.tool_calls.empty(), MatchedStop(c, stops));
        ReplyJson(*out, api::AnthropicMessageBody(id, ctx.config.served_model_name, c.total, stop, choices.TotalUsage()));
      });
}

void HandleCountTokens(ServerContext& ctx, const Request& req, Response& res) {
  auto fail = [&](const api::ApiError& e) { ReplyError(res, e, ErrorStyle::kAnthropic); };
  auto body = api::ParseBody(req.body);
  if (!body.ok()) return fail(api::FromStatus(body.status()));
  auto r = api::ParseMessagesRequest(std::move(body.value()), ctx.config.limits, /*count_tokens=*/true);
  if (!r.ok()) return fail(api::FromStatus(r.status()));
  if (auto e = CheckModel(ctx, r->model)) return fail(*e);
  auto prompt = EncodeMessages(ctx, r.value());
  if (!prompt.ok()) return fail(api::FromStatus(prompt.status()));
  ReplyJson(res, api::Dump(api::Json{{"input_tokens", prompt->size()}}));
}

}  // namespace vllm::server
