// POST /v1/embeddings: each input runs its prompt through the engine as a prefill-only
// sequence (max_tokens 0) whose final-normed hidden states are pooled (last / mean / cls);
// batched with every other request by the scheduler, no KV kept for it afterwards.
#include "api/embedding_request.h"
#include "api/ids.h"
#include "server/choice_set.h"
#include "server/collect.h"
#include "server/handlers.h"
#include "server/http_util.h"

namespace vllm::server {

namespace {

Result<SamplingParams::Pooling> PoolingOf(const ServerContext& ctx) {
  const std::string& mode =
      !ctx.config.pooling.empty() ? ctx.config.pooling : ctx.checkpoint_pooling;
  if (mode.empty() || mode == "last") return SamplingParams::Pooling::kLast;
  if (mode == "mean") return SamplingParams::Pooling::kMean;
  if (mode == "cls") return SamplingParams::Pooling::kCls;
  return InvalidArgument("unknown pooling '" + mode + "' (last | mean | cls)");
}

}  // namespace

void HandleEmbeddings(ServerContext& ctx, const Request& req, Response& res) {
  auto fail = [&](const api::ApiError& e) { ReplyError(res, e); };
  auto body = api::ParseBody(req.body);
  if (!body.ok()) return fail(api::FromStatus(body.status()));
  auto r = api::ParseEmbeddingRequest(body.value());
  if (!r.ok()) return fail(api::FromStatus(r.status()));
  if (auto e = CheckModel(ctx, r->model)) return fail(*e);
  const int64_t hidden = ctx.engine->model_config().hidden_size;
  if (r->dimensions && *r->dimensions > hidden)
    return fail(api::BadRequest("'dimensions' is " + std::to_string(*r->dimensions) +
                                    ", over this model's " + std::to_string(hidden),
                                "dimensions"));
  auto pooling = PoolingOf(ctx);
  if (!pooling.ok()) return fail(api::FromStatus(pooling.status()));

  std::vector<std::vector<int32_t>> prompts;
  for (const auto& in : r->inputs) {
    if (const auto* ids = std::get_if<std::vector<int32_t>>(&in)) {
      prompts.push_back(*ids);
      continue;
    }
    auto ids = ctx.tokenizer->Encode(std::get<std::string>(in), /*add_special_tokens=*/true);
    if (!ids.ok()) return fail(api::FromStatus(ids.status(), "input"));
    if (ids->empty()) return fail(api::BadRequest("'input' encodes to no tokens", "input"));
    prompts.push_back(std::move(ids.value()));
  }
  const std::string id = api::RandomId("embd-", 24);
  const int32_t num = static_cast<int32_t>(prompts.size());
  ChoiceSet choices(num, 1, std::nullopt, false);
  auto pump = std::make_unique<OutputPump>(ctx.engine, Deadline(ctx), &ctx.engine_stopped);
  for (int32_t k = 0; k < num; ++k) {
    SamplingParams params;
    params.max_tokens = 0;
    params.temperature = 0;
    params.pooling = pooling.value();
    EngineRequest er{.request_id = num == 1 ? id : id + "-" + std::to_string(k),
                     .prompt_token_ids = std::move(prompts[k]),
                     .params = params};
    if (auto e = Submit(ctx, std::move(er), k, pump.get())) return fail(*e);
  }
  res.pending = std::make_shared<CollectReply>(
      ctx, std::move(pump), std::move(choices), ErrorStyle::kOpenAi,
      [&ctx, dims = r->dimensions, normalize = r->normalize, base64 = r->base64](ChoiceSet& c,
                                                                                 Response* out) {
        std::vector<std::vector<float>> vectors;
        for (int32_t i = 0; i < c.size(); ++i) {
          if (c.choice(i).embedding.empty())  // aborted: the server is shutting down
            return ReplyError(
                *out, api::Overloaded("the request ended before its embedding was computed"));
          vectors.push_back(api::FinishEmbedding(c.choice(i).embedding, dims, normalize));
        }
        ReplyJson(*out, api::EmbeddingBody(ctx.config.served_model_name, vectors, base64,
                                           c.TotalUsage().prompt_tokens));
      });
}

}  // namespace vllm::server
