#include "server/model_router.h"

#include <malloc.h>

#include <algorithm>

#include "api/json_fields.h"
#include "server/handlers.h"
#include "server/http_util.h"
#include "util/logging.h"

namespace vllm::server {

using Clock = std::chrono::steady_clock;
using api::Json;

struct ModelRouter::Slot {
  std::string name;
  int64_t estimate_bytes = 0;
  ModelLoader loader;
  std::unique_ptr<ServerContext> ctx;  // lives as long as the router: streams point at it
  std::unique_ptr<EngineGroup> engine;
  ModelState state = ModelState::kUnloaded;
  int64_t leases = 0;
  bool evicting = false;  // chosen to make room: no new leases until it is unloaded
  int64_t memory_bytes = 0;
  int64_t num_loads = 0;
  Clock::time_point t_last_used = Clock::now();
};

namespace {

constexpr std::chrono::milliseconds kPollInterval{50};

// A response that finishes after its handler returned, holding its model's lease.
class LeasedStream final : public SseSession {
 public:
  LeasedStream(std::shared_ptr<SseSession> inner, std::shared_ptr<void> lease)
      : inner_(std::move(inner)), lease_(std::move(lease)) {}
  bool Step(std::string* out) override { return inner_->Step(out); }
  void Cancel() override { inner_->Cancel(); }

 private:
  std::shared_ptr<SseSession> inner_;
  std::shared_ptr<void> lease_;
};

class LeasedReply final : public PendingReply {
 public:
  LeasedReply(std::shared_ptr<PendingReply> inner, std::shared_ptr<void> lease)
      : inner_(std::move(inner)), lease_(std::move(lease)) {}
  bool Poll(Response* res) override { return inner_->Poll(res); }
  void Cancel() override { inner_->Cancel(); }

 private:
  std::shared_ptr<PendingReply> inner_;
  std::shared_ptr<void> lease_;
};

ErrorStyle StyleOf(const std::string& path) {
  return path.rfind("/v1/messages", 0) == 0 ? ErrorStyle::kAnthropic : ErrorStyle::kOpenAi;
}

EngineStats SumStats(const std::vector<EngineStats>& all) {
  EngineStats t;
  for (const EngineStats& s : all) {
    t.num_running += s.num_running;
    t.num_waiting += s.num_waiting;
    t.kv_blocks_total += s.kv_blocks_total;
    t.kv_blocks_used += s.kv_blocks_used;
    t.kv_blocks_cached += s.kv_blocks_cached;
    t.kv_blocks_shared += s.kv_blocks_shared;
    t.kv_block_refs += s.kv_block_refs;
    t.kv_blocks_allocated += s.kv_blocks_allocated;
    t.block_size = std::max(t.block_size, s.block_size);
    t.prefix.queries += s.prefix.queries;
    t.prefix.full_hits += s.prefix.full_hits;
    t.prefix.partial_hits += s.prefix.partial_hits;
    t.prefix.misses += s.prefix.misses;
    t.prefix.queried_tokens += s.prefix.queried_tokens;
    t.prefix.hit_tokens += s.prefix.hit_tokens;
    t.evictions += s.evictions;
    t.preemptions += s.preemptions;
    t.num_steps += s.num_steps;
    t.prompt_tokens_computed += s.prompt_tokens_computed;
    t.generation_tokens += s.generation_tokens;
    t.finished_requests += s.finished_requests;
  }
  return t;
}

}  // namespace

const char* ModelStateName(ModelState s) {
  switch (s) {
    case ModelState::kUnloaded:
      return "unloaded";
    case ModelState::kLoading:
      return "loading";
    case ModelState::kLoaded:
      return "loaded";
    case ModelState::kUnloading:
      return "unloading";
  }
  return "?";
}

ModelRouter::ModelRouter(ServerContext* front, RouterConfig cfg) : front_(front), cfg_(cfg) {}

ModelRouter::~ModelRouter() {
  StopAll();
  if (idle_thread_.joinable()) idle_thread_.join();
}

Status ModelRouter::Add(const std::string& name, int64_t estimate_bytes, ModelLoader loader,
                        bool eager) {
  if (Find(name))
    return InvalidArgument("two models are served as '" + name + "': give each a distinct name");
  if (cfg_.memory_budget_bytes > 0 && estimate_bytes > cfg_.memory_budget_bytes)
    return InvalidArgument("model '" + name + "' needs about " +
                           std::to_string(estimate_bytes >> 20) +
                           " MiB, more than the memory budget of " +
                           std::to_string(cfg_.memory_budget_bytes >> 20) + " MiB");
  auto s = std::make_unique<Slot>();
  s->name = name;
  s->estimate_bytes = estimate_bytes;
  s->loader = std::move(loader);
  s->ctx = std::make_unique<ServerContext>(&front_->metrics);
  s->ctx->config = front_->config;
  s->ctx->config.served_model_name = name;
  // --served-model-name's aliases belong to the model it names (the positional MODEL).
  if (name != front_->config.served_model_name) s->ctx->config.served_model_aliases.clear();
  for (const std::string& alias : s->ctx->config.served_model_aliases)
    if (Find(alias)) return InvalidArgument("two models are served as '" + alias + "': give each a distinct name");
  s->ctx->created_unix = front_->created_unix;
  Slot* slot = s.get();
  slots_.push_back(std::move(s));
  if (!eager) return Status::Ok();
  std::unique_lock lock(mu_);
  return Load(slot, lock);
}

void ModelRouter::Start() {
  if (cfg_.idle_unload_s > 0) idle_thread_ = std::thread([this] { IdleLoop(); });
}

ModelRouter::Slot* ModelRouter::Find(const std::string& name) {
  for (auto& s : slots_) {
    if (s->name == name) return s.get();
    for (const std::string& alias : s->ctx->config.served_model_aliases)
      if (alias == name) return s.get();
  }
  return nullptr;
}

std::string ModelRouter::ServedNames() const {
  std::string out;
  for (const auto& s : slots_) out += (out.empty() ? "'" : ", '") + s->name + "'";
  return out;
}

bool ModelRouter::Idle(const Slot& s) const {
  if (s.leases > 0 || s.ctx->open_streams.load() > 0) return false;
  if (!s.engine) return true;
  const EngineStats st = s.engine->Stats();
  return st.num_running + st.num_waiting == 0;
}

int64_t ModelRouter::ReservedBytes() const {
  int64_t total = 0;
  for (const auto& s : slots_) {
    if (s->state == ModelState::kLoaded || s->state == ModelState::kUnloading)
      total += s->memory_bytes;
    if (s->state == ModelState::kLoading) total += s->estimate_bytes;
  }
  return total;
}

bool ModelRouter::MakeRoom(Slot* s) {
  const int64_t budget = cfg_.memory_budget_bytes;
  if (budget <= 0 || ReservedBytes() + s->estimate_bytes <= budget) return true;
  // Least recently used first; those already marked count as freed.
  int64_t after = ReservedBytes();
  std::vector<Slot*> candidates;
  for (auto& o : slots_) {
    if (o.get() == s || o->state != ModelState::kLoaded) continue;
    if (o->evicting)
      after -= o->memory_bytes;
    else
      candidates.push_back(o.get());
  }
  std::sort(candidates.begin(), candidates.end(),
            [](Slot* a, Slot* b) { return a->t_last_used < b->t_last_used; });
  for (Slot* o : candidates) {
    if (after + s->estimate_bytes <= budget) break;
    o->evicting = true;
    after -= o->memory_bytes;
    LOG(INFO) << "model '" << o->name << "' will be unloaded when idle, to make room for '"
              << s->name << "'";
  }
  return false;
}

Status ModelRouter::Load(Slot* s, std::unique_lock<std::mutex>& lock) {
  s->state = ModelState::kLoading;
  lock.unlock();
  const auto t0 = Clock::now();
  Result<LoadedModel> loaded = s->loader();
  std::unique_ptr<EngineGroup> group;
  if (loaded.ok()) {
    std::vector<std::unique_ptr<Engine>> engines;
    engines.push_back(std::move(loaded->engine));
    for (auto& e : loaded->replicas) engines.push_back(std::move(e));
    group = std::make_unique<EngineGroup>(std::move(engines));
    group->Start();
  }
  lock.lock();
  if (next_load_ == s) next_load_ = nullptr;
  if (!loaded.ok()) {
    s->state = ModelState::kUnloaded;
    cv_.notify_all();
    return loaded.status().WithContext("loading model '" + s->name + "'");
  }
  s->engine = std::move(group);
  s->ctx->engine = s->engine.get();
  s->ctx->tokenizer = std::move(loaded->tokenizer);
  s->ctx->chat_template = std::move(loaded->chat_template);
  s->ctx->checkpoint_pooling = loaded->pooling;
  s->ctx->engine_stopped = false;
  s->ctx->backend = loaded->backend;
  s->ctx->num_threads = loaded->num_threads;
  s->ctx->memory_bytes = loaded->memory_bytes;
  s->memory_bytes = loaded->memory_bytes;
  s->state = ModelState::kLoaded;
  s->t_last_used = Clock::now();
  ++s->num_loads;
  LOG(INFO) << "model '" << s->name << "' loaded in "
            << std::chrono::duration<double>(Clock::now() - t0).count() << " s ("
            << (s->memory_bytes >> 20) << " MiB)";
  cv_.notify_all();
  return Status::Ok();
}

void ModelRouter::Unload(Slot* s, std::unique_lock<std::mutex>& lock) {
  s->state = ModelState::kUnloading;
  std::unique_ptr<EngineGroup> engine = std::move(s->engine);
  s->ctx->engine = nullptr;
  s->ctx->tokenizer.reset();
  s->ctx->chat_template.reset();
  lock.unlock();
  engine->Stop();
  engine.reset();
  malloc_trim(0);  // hand the freed heap back to the system, so memory goes down
  lock.lock();
  s->state = ModelState::kUnloaded;
  s->evicting = false;
  s->memory_bytes = 0;
  LOG(INFO) << "model '" << s->name << "' unloaded";
  cv_.notify_all();
}

Result<ModelRouter::Slot*> ModelRouter::Acquire(Slot* s) {
  std::unique_lock lock(mu_);
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(front_->config.timeout_s));
  while (true) {
    if (stopping_ || front_->draining) return ResourceExhausted("the server is shutting down");
    if (s->state == ModelState::kLoaded && !s->evicting) {
      ++s->leases;
      s->t_last_used = Clock::now();
      return s;
    }
    // Loads take turns: the model that made room loads before any other unloaded one, so
    // requests for a busy model cannot keep reloading it ahead of the one waiting.
    if (s->state == ModelState::kUnloaded && (next_load_ == nullptr || next_load_ == s)) {
      if (MakeRoom(s)) {
        RETURN_IF_ERROR(Load(s, lock));
        continue;
      }
      next_load_ = s;
    }
    bool unloaded_one = false;
    for (auto& o : slots_) {
      if (o->evicting && o->state == ModelState::kLoaded && Idle(*o)) {
        Unload(o.get(), lock);
        unloaded_one = true;
        break;
      }
    }
    if (unloaded_one) continue;
    if (Clock::now() >= deadline) {
      if (next_load_ == s) next_load_ = nullptr;
      return ResourceExhausted("timed out waiting for room to load model '" + s->name +
                               "' (the memory budget is held by busy models)");
    }
    cv_.wait_for(lock, kPollInterval);  // streams end without notifying: poll
  }
}

void ModelRouter::Release(Slot* s) {
  std::lock_guard lock(mu_);
  --s->leases;
  s->t_last_used = Clock::now();
  cv_.notify_all();
}

void ModelRouter::IdleLoop() {
  std::unique_lock lock(mu_);
  const auto idle = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(cfg_.idle_unload_s));
  const auto period = std::min<Clock::duration>(idle / 4, std::chrono::seconds(1));
  while (!stopping_) {
    cv_.wait_for(lock, period);
    const auto now = Clock::now();
    for (auto& s : slots_) {
      if (stopping_ || s->state != ModelState::kLoaded) continue;
      if (!Idle(*s)) {
        s->t_last_used = now;  // a stream outlives its handler: idle time counts from its end
        continue;
      }
      if (now - s->t_last_used >= idle) {
        LOG(INFO) << "model '" << s->name << "' idle for " << cfg_.idle_unload_s << " s";
        Unload(s.get(), lock);
        break;  // the lock was released: rescan next period
      }
    }
  }
}

void ModelRouter::StopAll() {
  std::vector<Slot*> loaded;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    for (auto& s : slots_) {
      s->ctx->draining = true;
      if (s->engine) loaded.push_back(s.get());
    }
    cv_.notify_all();
  }
  for (Slot* s : loaded) {
    s->engine->Stop();
    s->ctx->engine_stopped = true;
  }
}

int64_t ModelRouter::OpenStreams() const {
  int64_t n = 0;
  for (const auto& s : slots_) n += s->ctx->open_streams.load();
  return n;
}

void ModelRouter::Serve(const Request& req, Response& res, RouteHandler fn) {
  const std::string& path = req.path;
  if (path == "/health" || path == "/version") return fn(*front_, req, res);
  if (path == "/v1/models" || path == "/models" || path.rfind("/v1/models/", 0) == 0) return ServeModels(req, res);
  if (path == "/v1/status" || path == "/metrics" || path == "/v1/cache")
    return ServeAcross(req, res, fn);
  // A model route: the body names the model. With one model the handler checks the name
  // itself (as a single-model server always did), and the body is parsed once.
  Slot* s = slots_.size() == 1 ? slots_.front().get() : nullptr;
  const ErrorStyle style = StyleOf(path);
  if (!s) {
    auto body = api::ParseBody(req.body);
    if (!body.ok()) return ReplyError(res, api::FromStatus(body.status()), style);
    std::string name;
    if (Status st = api::ReadString(body.value(), "model", &name); !st.ok())
      return ReplyError(res, api::FromStatus(st), style);
    if (name.empty())
      return ReplyError(
          res, api::BadRequest("'model' is required: this server serves " + ServedNames(), "model"),
          style);
    s = Find(name);
    if (!s)
      return ReplyError(res,
                        api::NotFound("the model '" + name +
                                          "' does not exist; this server serves " + ServedNames(),
                                      "model_not_found"),
                        style);
  }
  auto lease = Acquire(s);
  if (!lease.ok()) return ReplyError(res, api::FromStatus(lease.status()), style);
  // Released when the last holder drops it: this call, or the stream / pending reply the
  // handler left for the StreamHub (which outlives this call and reads the slot's context).
  std::shared_ptr<void> held(nullptr, [this, s](void*) { Release(s); });
  fn(*s->ctx, req, res);
  if (res.stream) res.stream = std::make_shared<LeasedStream>(std::move(res.stream), held);
  if (res.pending) res.pending = std::make_shared<LeasedReply>(std::move(res.pending), held);
}

void ModelRouter::ServeModels(const Request& req, Response& res) {
  std::lock_guard lock(mu_);
  auto object = [&](const Slot& s) {
    Json o = {{"id", s.name},
              {"object", "model"},
              {"created", front_->created_unix},
              {"owned_by", "vllm-cpp"},
              {"state", ModelStateName(s.state)},
              {"memory_bytes", s.memory_bytes},
              {"num_loads", s.num_loads}};
    if (s.state == ModelState::kLoaded) o["max_model_len"] = s.engine->max_model_len();
    return o;
  };
  if (req.path == "/v1/models" || req.path == "/models") {
    Json data = Json::array();
    for (const auto& s : slots_) {
      data.push_back(object(*s));
      for (const std::string& alias : s->ctx->config.served_model_aliases) {
        Json o = object(*s);
        o["id"] = alias;
        o["root"] = s->name;
        data.push_back(std::move(o));
      }
    }
    return ReplyJson(res, api::Dump(Json{{"object", "list"}, {"data", data}}));
  }
  const std::string id = req.path.substr(std::string("/v1/models/").size());
  if (const Slot* s = Find(id)) {
    Json o = object(*s);
    o["id"] = id;
    return ReplyJson(res, api::Dump(o));
  }
  ReplyError(res, api::NotFound(
                      "the model '" + id + "' does not exist; this server serves " + ServedNames(),
                      "model_not_found"));
}

// /v1/status, /metrics, DELETE /v1/cache over whichever models are loaded now (none is
// loaded for them). One model keeps the single-model answer.
void ModelRouter::ServeAcross(const Request& req, Response& res,
                              RouteHandler fn) {
  if (req.path == "/metrics" && !front_->config.enable_metrics)
    return fn(*front_, req, res);  // 404 without engines
  std::vector<Slot*> leased;
  {
    std::lock_guard lock(mu_);
    for (auto& s : slots_)
      if (s->state == ModelState::kLoaded) {
        ++s->leases;
        leased.push_back(s.get());
      }
  }
  struct Guard {
    ModelRouter* r;
    std::vector<Slot*>* v;
    ~Guard() {
      for (Slot* s : *v) r->Release(s);
    }
  } guard{this, &leased};
  if (req.path == "/metrics") {
    std::vector<EngineStats> stats;
    for (Slot* s : leased) stats.push_back(s->engine->Stats());
    res.status = 200;
    res.SetContent(front_->metrics.Render(SumStats(stats)), "text/plain; version=0.0.4; charset=utf-8");
    return;
  }
  if (slots_.size() == 1 && leased.size() == 1) return fn(*leased.front()->ctx, req, res);
  if (req.path == "/v1/cache") {
    for (Slot* s : leased) s->engine->ResetPrefixCache();
    return ReplyJson(res, R"({"status":"ok","reset":"prefix_cache"})");
  }
  Json models = Json::array();
  for (const auto& s : slots_) {
    const bool is_leased = std::find(leased.begin(), leased.end(), s.get()) != leased.end();
    Json one = {{"model", s->name}};
    if (is_leased) {
      Response one_res;
      fn(*s->ctx, req, one_res);
      one = api::Json::parse(one_res.body, nullptr, false);
    }
    std::lock_guard lock(mu_);
    one["state"] = ModelStateName(s->state);
    models.push_back(one);
  }
  if (slots_.size() == 1) return ReplyJson(res, api::Dump(models[0]));
  ReplyJson(res, api::Dump(Json{{"models", models}, {"server", ServerStatusJson(*front_)}}));
}

}  // namespace vllm::server
