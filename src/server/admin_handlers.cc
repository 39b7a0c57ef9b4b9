// Operational endpoints: /health, /v1/models, /v1/status, DELETE /v1/cache, /metrics,
// /tokenize, /detokenize.
#include <chrono>

#include "api/chat_request.h"
#include "api/count_limit.h"
#include "api/json_fields.h"
#include "server/handlers.h"
#include "server/http_util.h"
#include "util/process_rss.h"

namespace vllm::server {

using api::Json;

void HandleHealth(ServerContext& ctx, const Request&, Response& res) {
  if (ctx.draining) return ReplyError(res, api::Overloaded("the server is shutting down"));
  ReplyJson(res, R"({"status":"ok"})");
}

void HandleVersion(ServerContext&, const Request&, Response& res) {
  ReplyJson(res, api::Dump(Json{{"version", kVllmCppVersion}}));
}

namespace {
Json ModelObject(const ServerContext& ctx, const std::string& name) {
  return {{"id", name}, {"object", "model"}, {"created", ctx.created_unix},
          {"owned_by", "vllm-cpp"}, {"root", ctx.config.served_model_name},
          {"max_model_len", ctx.engine->max_model_len()}};
}
}  // namespace

// Every alias of the served model is listed (clients pick one by name).
void HandleModels(ServerContext& ctx, const Request&, Response& res) {
  Json data = Json::array({ModelObject(ctx, ctx.config.served_model_name)});
  for (const std::string& alias : ctx.config.served_model_aliases) data.push_back(ModelObject(ctx, alias));
  ReplyJson(res, api::Dump(Json{{"object", "list"}, {"data", std::move(data)}}));
}

void HandleModel(ServerContext& ctx, const Request& req, Response& res) {
  const std::string id = req.path.substr(std::string("/v1/models/").size());
  if (CheckModel(ctx, id) || id.empty())
    return ReplyError(res, api::NotFound("the model '" + id + "' does not exist", "model_not_found"));
  ReplyJson(res, api::Dump(ModelObject(ctx, id)));
}

namespace {
Json PercentilesJson(const LatencyPercentiles& p) {
  return {{"count", p.count}, {"p50", p.p50}, {"p90", p.p90}, {"p99", p.p99}};
}
}  // namespace

Json ServerStatusJson(const ServerContext& ctx) {
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  return {{"uptime_s", ctx.created_unix > 0 ? now - ctx.created_unix : 0},
          {"rss_bytes", ProcessRssBytes()},
          {"latency", {{"ttft_ms", PercentilesJson(ctx.metrics.RecentTtftMs())},
                       {"tpot_ms", PercentilesJson(ctx.metrics.RecentTpotMs())}}}};
}

void HandleStatus(ServerContext& ctx, const Request&, Response& res) {
  const EngineStats s = ctx.engine->Stats();
  const double usage = s.kv_blocks_total > 0 ? static_cast<double>(s.kv_blocks_used) / s.kv_blocks_total : 0.0;
  const Json body = {
      {"model", ctx.config.served_model_name},
      {"backend", ctx.backend},
      {"threads", ctx.num_threads},
      {"memory_bytes", ctx.memory_bytes},
      {"server", ServerStatusJson(ctx)},
      {"num_running", s.num_running},
      {"num_waiting", s.num_waiting},
      {"open_streams", ctx.open_streams.load()},
      {"kv_cache", {{"block_size", s.block_size}, {"blocks_total", s.kv_blocks_total}, {"blocks_used", s.kv_blocks_used},
                    {"blocks_cached", s.kv_blocks_cached}, {"blocks_shared", s.kv_blocks_shared}, {"usage", usage}}},
      // Per-sequence recurrent state slots (hybrid models; 0 / 0 otherwise).
      {"state_slots", {{"total", s.state_slots_total}, {"free", s.state_slots_free}}},
      {"state_snapshots", {{"total", s.state_snapshots_total}, {"attached", s.state_snapshots_attached},
                           {"hits", s.state_snapshot_hits}}},
      {"prefix_cache", {{"queries", s.prefix.queries}, {"full_hits", s.prefix.full_hits},
                        {"partial_hits", s.prefix.partial_hits}, {"misses", s.prefix.misses},
                        {"queried_tokens", s.prefix.queried_tokens}, {"hit_tokens", s.prefix.hit_tokens},
                        {"evictions", s.evictions}}},
      {"preemptions", s.preemptions},
      {"num_steps", s.num_steps},
      {"prompt_tokens_computed", s.prompt_tokens_computed},
      {"generation_tokens", s.generation_tokens},
      {"finished_requests", s.finished_requests}};
  ReplyJson(res, api::Dump(body));
}

void HandleResetCache(ServerContext& ctx, const Request&, Response& res) {
  ctx.engine->ResetPrefixCache();
  ReplyJson(res, R"({"status":"ok","reset":"prefix_cache"})");
}

void HandleMetrics(ServerContext& ctx, const Request&, Response& res) {
  if (!ctx.config.enable_metrics) return ReplyError(res, api::NotFound("metrics are off (start the server with --enable-metrics)"));
  res.status = 200;
  res.SetContent(ctx.metrics.Render(ctx.engine->Stats()), "text/plain; version=0.0.4; charset=utf-8");
}

// {"prompt": str} or {"messages": [...]} (+ add_special_tokens, add_generation_prompt,
// tools, chat_template_kwargs) -> {"count", "max_model_len", "tokens"}, as vLLM answers.
void HandleTokenize(ServerContext& ctx, const Request& req, Response& res) {
  auto body = api::ParseBody(req.body);
  if (!body.ok()) return ReplyError(res, api::FromStatus(body.status()));
  Json& b = body.value();  // messages, tools and kwargs move out of it
  std::string model;
  if (Status st = api::ReadString(b, "model", &model); !st.ok()) return ReplyError(res, api::FromStatus(st));
  if (auto e = CheckModel(ctx, model)) return ReplyError(res, *e);
  Result<std::vector<int32_t>> ids = InvalidArgument("give 'prompt' (a string) or 'messages'");
  if (api::Has(b, "messages")) {
    Json messages = std::move(b["messages"]);
    if (Status st = api::NormalizeMessages(&messages, ctx.config.limits); !st.ok())
      return ReplyError(res, api::FromStatus(st));
    bool add_generation_prompt = true;
    if (Status st = api::ReadBool(b, "add_generation_prompt", &add_generation_prompt); !st.ok())
      return ReplyError(res, api::FromStatus(st));
    Json tools = api::Has(b, "tools") ? std::move(b["tools"]) : Json(nullptr);
    if (tools.is_array())
      if (Status st = api::CheckCount("tools", tools.size(), ctx.config.limits.max_tools, "--max-tools"); !st.ok())
        return ReplyError(res, api::FromStatus(st));
    Json kwargs = api::Has(b, "chat_template_kwargs") && b.at("chat_template_kwargs").is_object()
                      ? std::move(b["chat_template_kwargs"]) : Json::object();
    ids = EncodeChat(ctx, std::move(messages), std::move(tools), std::move(kwargs), add_generation_prompt, false);
  } else if (api::Has(b, "prompt")) {
    std::string prompt;
    bool add_special = true;
    if (Status st = api::ReadString(b, "prompt", &prompt); !st.ok()) return ReplyError(res, api::FromStatus(st));
    if (Status st = api::ReadBool(b, "add_special_tokens", &add_special); !st.ok()) return ReplyError(res, api::FromStatus(st));
    ids = ctx.tokenizer->Encode(prompt, add_special);
  }
  if (!ids.ok()) return ReplyError(res, api::FromStatus(ids.status()));
  ReplyJson(res, api::Dump(Json{{"count", ids->size()}, {"max_model_len", ctx.engine->max_model_len()}, {"tokens", ids.value()}}));
}

// {"tokens": [ids]} -> {"prompt": text}
void HandleDetokenize(ServerContext& ctx, const Request& req, Response& res) {
  auto body = api::ParseBody(req.body);
  if (!body.ok()) return ReplyError(res, api::FromStatus(body.status()));
  std::string model;
  if (Status st = api::ReadString(body.value(), "model", &model); !st.ok()) return ReplyError(res, api::FromStatus(st));
  if (auto e = CheckModel(ctx, model)) return ReplyError(res, *e);
  if (!api::Has(body.value(), "tokens")) return ReplyError(res, api::BadRequest("'tokens' is required", "tokens"));
  std::vector<int32_t> ids;
  if (Status st = api::ReadIntList(body.value(), "tokens", &ids); !st.ok()) return ReplyError(res, api::FromStatus(st));
  for (int32_t id : ids)
    if (id >= ctx.tokenizer->vocab_size() && ctx.tokenizer->IdToToken(id).empty())
      return ReplyError(res, api::BadRequest("token id " + std::to_string(id) + " is outside the vocabulary", "tokens"));
  ReplyJson(res, api::Dump(Json{{"prompt", ctx.tokenizer->Decode(ids, false)}}));
}

}  // namespace vllm::server
