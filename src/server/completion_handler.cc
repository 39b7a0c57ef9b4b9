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
  // echo_logprobs >= 0: the echoed prompt waits for the first output, which carries its
  // logprobs.
  CompletionStream(ServerContext& ctx, api::ResponseHeader h, std::unique_ptr<OutputPump> pump, ChoiceSet choices,
                   std::vector<std::string> echo, bool logprobs, int32_t echo_logprobs, bool include_usage)
      : OpenAiStream(ctx, std::move(h), std::move(pump), std::move(choices), include_usage, "text_completion"),
        echo_(std::move(echo)), offsets_(echo_.size(), 0), logprobs_(logprobs), echo_logprobs_(echo_logprobs) {}

 private:
  void Open(std::string* out) override {
    if (echo_logprobs_ >= 0) return;
    for (size_t i = 0; i < echo_.size(); ++i)
      if (!echo_[i].empty()) {
        out->append(api::SseData(api::CompletionChunkBody(h_, static_cast<int32_t>(i), echo_[i], "", nullptr)));
        offsets_[i] = api::Utf8Length(echo_[i]);
      }
  }

  void Emit(const RequestOutput& o, std::string* out) override {
    if (echo_logprobs_ >= 0 && o.has_prompt_logprobs) {
      Json lps = api::EchoLogprobsJson(o.prompt_logprobs, echo_logprobs_, {}, *ctx_.tokenizer);
      size_t chars = 0;
      for (const Json& t : lps.at("tokens")) chars += api::Utf8Length(t.get<std::string>());
      out->append(api::SseData(api::CompletionChunkBody(h_, o.index, echo_[o.index], "", lps)));
      offsets_[o.index] = chars;
    }
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
  int32_t echo_logprobs_;
};

// Fill-in-the-middle: prefix-suffix-middle order, as Qwen2.5-Coder, StarCoder and DeepSeek-
// Coder were trained (vLLM's FIM encoders do the same).
struct FimTokens {
  int32_t prefix_id, suffix_id, middle_id;
};

std::optional<FimTokens> FindFimTokens(const Tokenizer& tok) {
  for (const char* style : {"<|fim_%s|>", "<fim_%s>"}) {
    auto id = [&](const char* part) {
      std::string name = style;
      name.replace(name.find("%s"), 2, part);
      return tok.TokenToId(name);
    };
    const auto p = id("prefix"), s = id("suffix"), m = id("middle");
    if (p && s && m) return FimTokens{*p, *s, *m};
  }
  return std::nullopt;
}

Result<std::vector<int32_t>> FimPrompt(const Tokenizer& tok, const FimTokens& fim, const std::string& prefix,
                                       const std::string& suffix) {
  ASSIGN_OR_RETURN(std::vector<int32_t> pre, tok.Encode(prefix, /*add_special_tokens=*/false));
  ASSIGN_OR_RETURN(std::vector<int32_t> suf, tok.Encode(suffix, /*add_special_tokens=*/false));
  std::vector<int32_t> ids{fim.prefix_id};
  ids.insert(ids.end(), pre.begin(), pre.end());
  ids.push_back(fim.suffix_id);
  ids.insert(ids.end(), suf.begin(), suf.end());
  ids.push_back(fim.middle_id);
  return ids;
}

}  // namespace

void HandleCompletions(ServerContext& ctx, const Request& req, Response& res) {
  auto fail = [&](const api::ApiError& e) { ReplyError(res, e); };
  auto body = api::ParseBody(req.body);
  if (!body.ok()) return fail(api::FromStatus(body.status()));
  auto r = api::ParseCompletionRequest(body.value(), ctx.config.limits);
  if (!r.ok()) return fail(api::FromStatus(r.status()));
  if (auto e = CheckModel(ctx, r->model)) return fail(*e);

  std::optional<FimTokens> fim;
  if (!r->suffix.empty()) {
    fim = FindFimTokens(*ctx.tokenizer);
    if (!fim)
      return fail(api::BadRequest("'suffix' needs a model whose tokenizer has fill-in-the-middle tokens "
                                  "(<|fim_prefix|> <|fim_suffix|> <|fim_middle|>, or <fim_prefix> ...); this one has none",
                                  "suffix"));
  }
  // Tokenize every prompt before submitting any, so a bad one fails the request cleanly.
  std::vector<std::vector<int32_t>> prompts;
  for (const auto& p : r->prompts) {
    if (const auto* ids = std::get_if<std::vector<int32_t>>(&p)) {
      if (fim) return fail(api::BadRequest("'suffix' needs text prompts, not token ids", "suffix"));
      prompts.push_back(*ids);
      continue;
    }
    if (fim) {
      auto ids = FimPrompt(*ctx.tokenizer, *fim, std::get<std::string>(p), r->suffix);
      if (!ids.ok()) return fail(api::FromStatus(ids.status(), "prompt"));
      prompts.push_back(std::move(ids.value()));
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
  const int32_t echo_logprobs = r->echo && r->logprobs ? *r->logprobs : -1;
  const int32_t prompt_logprobs = r->prompt_logprobs.value_or(-1);
  if (r->stream)
    return ReplyStream(res, std::make_shared<CompletionStream>(ctx, h, std::move(pump), std::move(choices),
                                                               std::move(echo), logprobs, echo_logprobs,
                                                               r->include_usage));
  res.pending = std::make_shared<CollectReply>(
      ctx, std::move(pump), std::move(choices), ErrorStyle::kOpenAi,
      [&ctx, h, logprobs, echo_logprobs, prompt_logprobs, echo = std::move(echo)](ChoiceSet& c, Response* out) {
        ReplyJson(*out, api::CompletionBody(h, c.Finished(logprobs, echo_logprobs, prompt_logprobs), echo,
                                            c.TotalUsage(), *ctx.tokenizer));
      });
}

}  // namespace vllm::server
