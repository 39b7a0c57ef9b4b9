// What every handler shares: the engine, tokenizer, parsed chat template, config, metrics
// and the limiter. Built once by `vllm-cpp serve`; handlers only read it (the mutable
// parts are thread-safe).
#pragma once

#include <atomic>
#include <memory>
#include <optional>

#include "chat_template/chat_template.h"
#include "engine/engine.h"
#include "engine/engine_group.h"
#include "server/metrics.h"
#include "server/rate_limiter.h"
#include "server/server_config.h"
#include "tokenizer/tokenizer.h"

namespace vllm::server {

class ModelRouter;

struct ServerContext {
  ServerContext() = default;
  // A served model's context under a ModelRouter: its counters go to the server's metrics.
  explicit ServerContext(Metrics* shared_metrics) : metrics(*shared_metrics) {}

  ServerConfig config;
  EngineGroup* engine = nullptr;  // one engine, or data-parallel replicas
  std::shared_ptr<const Tokenizer> tokenizer;
  std::optional<ChatTemplate> chat_template;  // unset: the tokenizer has none (chat -> 400)
  std::string checkpoint_pooling;  // the checkpoint's sentence-transformers pooling ("" if none)
  Metrics own_metrics;
  Metrics& metrics = own_metrics;
  std::unique_ptr<RateLimiter> rate_limiter;
  std::atomic<bool> draining{false};  // shutting down: new work answers 503
  std::atomic<bool> engine_stopped{false};  // no output will ever come again
  std::atomic<int64_t> open_streams{0};
  int64_t created_unix = 0;  // for /v1/models
  // What the model runs on, for /v1/status (the dashboard): the backend's own description
  // ("cpu avx512, 2 threads"), its thread count and the weights + KV cache bytes.
  std::string backend;
  int32_t num_threads = 0;
  int64_t memory_bytes = 0;
  // Set when the server routes requests among models (server/model_router.h): the handlers
  // then run on the named model's context, not on this one.
  ModelRouter* router = nullptr;
};

}  // namespace vllm::server
