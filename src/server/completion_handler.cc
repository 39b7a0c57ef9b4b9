// POST /v1/completions
#include "api/completion_request.h"
#include "api/ids.h"
#include "api/openai_response.h"
#include "api/sse.h"
#include "server/choice_set.h"
#include "server/collect.h"
#include "server/handlers.h"
#include "server/http_util.h"
#include "server/openai_stream.h"

namespace vllm::server {

namespace {

using api::Json;

// text_completion chunks: the echoed prompt first (when asked), then text deltas, a finish
// chunk per choice, the usage chunk when asked, then [DONE].
class CompletionStream : public OpenAiStream {
 public:
  CompletionStream(ServerContext& ctx, api::ResponseHeader h, std::unique_ptr<OutputPump> pump, ChoiceSet choices,
                   std::vector<std::string> echo, bool logprobs, bool include_usage)
      : OpenAiStream(ctx, std::move(h), std::move(pump), std::move(choices), include_usage, "text_completion"),
        echo_(std::move(echo)), offsets_(echo_.size(), 0), logprobs_(logprobs) {}

 private:
  void Open(std::string* out) override {
    for (size_t i = 0; i < echo_.size(); ++i)
      if (!echo_[i].empty()) {
        out->append(api::SseData(api::CompletionChunkBody(h_, static_cast<int32_t>(i), echo_[i], "", nullptr)));
        offsets_[i] = api::Utf8Length(echo_[i]);
      }
  }

  void Emit(const RequestOutput& o, std::string* out) override {
    api::ChoiceDelta d = choices_.Apply(o);
    Json lps = nullptr;
    if (logprobs_ && !o.logprobs.empty()) lps = api::CompletionLogprobsJson(o.logprobs, *ctx_.tokenizer, offsets_[o.index]);
    offsets_[o.index] += api::Utf8Length(d.content);
    std::string finish;
    if (o.finished) {
      ObserveFinished(o.index);
      finish = api::OpenAiFinishReason(o.finish_reason, false);
    }
    if (!d.content.empty() || !lps.is_null() || o.finished)
      out->append(api::SseData(api::CompletionChunkBody(h_, o.index, d.content, finish, lps)));
  }

  std::vector<std::string> echo_;
  std::vector<size_t> offsets_;
  bool logprobs_;
};

}  // namespace

void HandleCompletions(ServerContext& ctx, const Request& req, Response& res) {
  auto fail = [&](const api::ApiError& e) { ReplyError(res, e); };
  auto body = api::ParseBody(req.body);
  if (!body.ok()) return fail(api::FromStatus(body.status()));
  auto r = api::ParseCompletionRequest(body.value(), ctx.config.limits);
  if (!r.ok()) return fail(api::FromStatus(r.status()));
  if (auto e = CheckModel(ctx, r->model)) return fail(*e);

  // Tokenize every prompt before submitting any, so a bad one fails the request cleanly.
  std::vector<std::vector<int32_t>> prompts;
  for (const auto& p : r->prompts) {
    if (const auto* ids = std::get_if<std::vector<int32_t>>(&p)) {
      prompts.push_back(*ids);
      continue;
    }
    auto ids = ctx.tokenizer->Encode(std::get<std::string>(p), /*add_special_tokens=*/true);
    if (!ids.ok()) return fail(api::FromStatus(ids.status(), "prompt"));
    if (ids->empty()) return fail(api::BadRequest("'prompt' encodes to no tokens", "prompt"));
    prompts.push_back(std::move(ids.value()));
  }
  const int32_t n = r->params.n;
  const api::ResponseHeader h{.id = api::RandomId("cmpl-", 24), .created = UnixNow(), .model = ctx.config.served_model_name};
  const int32_t num_choices = static_cast<int32_t>(prompts.size()) * n;
  std::vector<std::string> echo(num_choices);
  if (r->echo)
    for (int32_t i = 0; i < num_choices; ++i) {
      const auto& p = r->prompts[i / n];
      echo[i] = std::holds_alternative<std::string>(p) ? std::get<std::string>(p) : ctx.tokenizer->Decode(prompts[i / n], false);
    }
  ChoiceSet choices(num_choices, n, std::nullopt, false);
  auto pump = std::make_unique<OutputPump>(ctx.engine, Deadline(ctx), &ctx.engine_stopped);
  for (size_t k = 0; k < prompts.size(); ++k) {
    SamplingParams params = r->params;
    if (!r->max_tokens_given) ClipDefaultMaxTokens(ctx, prompts[k].size(), &params);
    EngineRequest er{.request_id = prompts.size() == 1 ? h.id : h.id + "-" + std::to_string(k),
                     .prompt_token_ids = std::move(prompts[k]),
                     .params = params};
    if (auto e = Submit(ctx, std::move(er), static_cast<int32_t>(k) * n, pump.get())) return fail(*e);
  }
  const bool logprobs = r->logprobs.has_value();
  if (r->stream)
    return ReplyStream(res, std::make_shared<CompletionStream>(ctx, h, std::move(pump), std::move(choices),
                                                               std::move(echo), logprobs, r->include_usage));
  res.pending = std::make_shared<CollectReply>(
      ctx, std::move(pump), std::move(choices), ErrorStyle::kOpenAi,
      [&ctx, h, logprobs, echo = std::move(echo)](ChoiceSet& c, Response* out) {
        ReplyJson(*out, api::CompletionBody(h, c.Finished(logprobs), echo, c.TotalUsage(), *ctx.tokenizer));
      });
}

}  // namespace vllm::server
