// Several models behind one server (`serve --model A --model B`, `--models-config FILE`).
//
// Each served model has its own ServerContext (engine, tokenizer, chat template, served
// name) that the unchanged handlers run on; the router picks it by the request's "model"
// and lends it for the request's life:
//
//   request -> "model" of the body -> slot (404 naming the served ones when unknown)
//           -> Acquire: loaded? lease it : make room (memory budget: evict the least
//              recently used idle model) and load it on this thread (others wait)
//           -> handler(slot's context) -> Release; a stream or pending reply the handler
//              leaves holds the lease until the StreamHub drops it, so a model with an
//              open response is never idle (nor unloaded under it)
//
// A model is idle when no handler holds it, no stream is open and its engine holds no
// request. An idle model is unloaded after --idle-unload seconds, or when its memory is
// needed by another. Routes about the server as a whole (/v1/models, /v1/status, /metrics,
// DELETE /v1/cache, /health) are answered here across all models.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/http_message.h"
#include "server/server_context.h"

namespace vllm::server {

using RouteHandler = void (*)(ServerContext&, const Request&, Response&);

// What loading a model yields. The engine is not started yet.
struct LoadedModel {
  std::unique_ptr<Engine> engine;
  std::vector<std::unique_ptr<Engine>> replicas;  // data parallel: engines 2..N (serve --data-parallel-size)
  std::shared_ptr<const Tokenizer> tokenizer;
  std::optional<ChatTemplate> chat_template;
  std::string pooling;  // from the checkpoint's 1_Pooling/config.json: last | mean | cls, or ""
  int64_t memory_bytes = 0;  // weights + KV cache
  std::string backend;       // Backend::Describe()
  int32_t num_threads = 0;
};
using ModelLoader = std::function<Result<LoadedModel>()>;

struct RouterConfig {
  double idle_unload_s = 0;         // 0: never unload an idle model
  int64_t memory_budget_bytes = 0;  // 0: no budget
};

enum class ModelState { kUnloaded, kLoading, kLoaded, kUnloading };
const char* ModelStateName(ModelState s);

class ModelRouter {
 public:
  // front: the server's own context (config, shared metrics, draining).
  ModelRouter(ServerContext* front, RouterConfig cfg);
  ~ModelRouter();
  ModelRouter(const ModelRouter&) = delete;
  ModelRouter& operator=(const ModelRouter&) = delete;

  // Before serving. estimate_bytes: memory it will take (for the budget; 0: unknown).
  // eager: load now (the error is returned).
  Status Add(const std::string& name, int64_t estimate_bytes, ModelLoader loader, bool eager);
  // Starts the idle-unload thread (when idle_unload_s > 0).
  void Start();

  // The Dispatch hook: answers `req` with `fn` on the right model's context.
  void Serve(const Request& req, Response& res, RouteHandler fn);

  // Shutdown: every model drains (503 for new work) and its engine stops (open streams end).
  void StopAll();
  int64_t OpenStreams() const;

 private:
  struct Slot;
  Slot* Find(const std::string& name);
  // Lends the named slot loaded; an error reply when it cannot be.
  Result<Slot*> Acquire(Slot* s);
  void Release(Slot* s);
  bool Idle(const Slot& s) const;  // mu_ held
  int64_t ReservedBytes() const;   // mu_ held: loaded and loading models
  bool MakeRoom(Slot* s);          // mu_ held: true when s fits now
  void Unload(Slot* s, std::unique_lock<std::mutex>& lock);
  Status Load(Slot* s, std::unique_lock<std::mutex>& lock);
  void IdleLoop();

  void ServeModels(const Request& req, Response& res);
  void ServeAcross(const Request& req, Response& res, RouteHandler fn);
  std::string ServedNames() const;

  ServerContext* front_;
  RouterConfig cfg_;
  std::vector<std::unique_ptr<Slot>> slots_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  Slot* next_load_ = nullptr;  // made room and waits for it: loads before other unloaded ones
  bool stopping_ = false;
  std::thread idle_thread_;
};

}  // namespace vllm::server
