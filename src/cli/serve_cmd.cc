// `vllm-cpp serve [MODEL] [--model [NAME=]MODEL]... [--models-config FILE] [options]`: the
// OpenAI- and Anthropic-compatible HTTP server, for one model or several.
//
// Threads: one engine thread per loaded model (Engine::Start) does only engine steps;
// event-loop threads move bytes; HTTP worker threads do JSON, chat templates and
// tokenization; the stream hub feeds engine outputs to the connections; a signal thread
// turns SIGINT/SIGTERM into a clean shutdown (stop accepting, end open streams with a final
// chunk and [DONE], exit 0). Models are resolved (hub downloads included) at startup; one model
// loads at startup too, several load on their first request (server/model_router.h).
#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <pthread.h>
#include <sys/resource.h>

#include <filesystem>
#include <random>
#include <thread>

#include "cli/byte_size.h"
#include "cli/commands.h"
#include "bench/model_flags.h"
#include "cli/models_config.h"
#include "cli/served_model.h"
#include "model/default_model.h"
#include "server/http_server.h"
#include "server/model_router.h"
#include "server/server_context.h"
#include "util/logging.h"

namespace vllm::cli {

namespace {

// With --load-format dummy and no model: this preset's shapes with random weights.
constexpr const char* kDefaultDummyModel = "mlx-community/Qwen3-0.6B-8bit";

struct ServeArgs {
  std::string model;                     // the positional MODEL
  std::vector<std::string> model_flags;  // --model [NAME=]MODEL, repeatable
  std::string models_config;             // --models-config FILE
  ModelSourceOptions source;             // --load-format and the hub flags, for every model
  server::ServerConfig cfg;
  EngineArgs engine;
  std::string kv_cache_memory = "1GiB";
  std::string state_cache_memory = "4GiB";
  std::string state_snapshot_memory = "0";
  int64_t cache_memory_mb = 0;
  std::string kv_cache_dtype = "auto";
  double idle_unload_s = 0;
  std::string memory_budget;
  std::string reasoning_parser;
  std::string default_chat_template_kwargs;
  std::optional<float> default_temperature, default_top_p;
  std::optional<int32_t> default_top_k;
  std::optional<uint64_t> seed;  // unset: a fresh random seed per process
  std::vector<std::string> served_model_names;  // --served-model-name NAME [ALIAS...]
  bool continuous_batching = false, use_paged_cache = false;  // accepted, always on
};

int Fail(const std::string& msg) {
  std::fprintf(stderr, "error: %s\n", msg.c_str());
  return 1;
}

// SIGINT/SIGTERM are blocked in every thread and taken by one sigwait thread, so the
// shutdown runs as ordinary code (no async-signal-safety limits).
void BlockShutdownSignals(sigset_t* set) {
  sigemptyset(set);
  sigaddset(set, SIGINT);
  sigaddset(set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // a vanished client must be a failed write, not a kill
}

// Many idle or streaming clients each hold a socket: raise the soft descriptor limit to
// the hard one, and keep the connection cap under it (with room for model files, etc.).
void RaiseFileLimit(server::ServerConfig* cfg) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    getrlimit(RLIMIT_NOFILE, &lim);
  }
  const int64_t usable = static_cast<int64_t>(lim.rlim_cur) - 128;
  if (lim.rlim_cur != RLIM_INFINITY && cfg->max_connections > usable) {
    LOG(WARNING) << "--max-connections " << cfg->max_connections << " lowered to " << std::max<int64_t>(usable, 16)
                 << " (the open-file limit is " << lim.rlim_cur << ")";
    cfg->max_connections = std::max<int64_t>(usable, 16);
  }
}

// The name clients use by default: the model directory's base name, never a local path.
// Preset and hub names (not paths on disk) stay as given.
std::string DefaultServedName(const std::string& model) {
  std::error_code ec;
  const std::filesystem::path p(model);
  if (!std::filesystem::exists(p, ec)) return model;
  std::string name = (p.has_filename() ? p.filename() : p.parent_path().filename()).string();
  return name.empty() ? model : name;
}

// Every model to serve, named: MODEL, each --model, each entry of --models-config; the
// embedded default (random weights) when none is given.
Result<std::vector<ServedModelSpec>> CollectModels(ServeArgs& a) {
  std::vector<ServedModelSpec> specs;
  if (!a.model.empty()) {
    const std::string name = a.cfg.served_model_name.empty() ? DefaultServedName(a.model) : a.cfg.served_model_name;
    specs.push_back({.name = name, .model = a.model, .source = a.source});
  }
  for (const std::string& m : a.model_flags) {
    ASSIGN_OR_RETURN(ServedModelSpec spec, ParseModelFlag(m, a.source));
    specs.push_back(std::move(spec));
  }
  if (!a.models_config.empty()) {
    ASSIGN_OR_RETURN(ModelsConfig mc, LoadModelsConfig(a.models_config, a.source));
    for (auto& spec : mc.models) specs.push_back(std::move(spec));
    if (mc.idle_unload_s && a.idle_unload_s == 0) a.idle_unload_s = *mc.idle_unload_s;
    if (mc.memory_budget && a.memory_budget.empty()) a.memory_budget = *mc.memory_budget;
  }
  if (specs.empty() && a.source.load_format == "dummy") {
    const std::string name = a.cfg.served_model_name.empty() ? kDefaultDummyModel : a.cfg.served_model_name;
    specs.push_back({.name = name, .model = kDefaultDummyModel, .source = a.source});
  } else if (specs.empty()) {
    ASSIGN_OR_RETURN(DefaultModel d, FindDefaultModel());
    LOG(INFO) << "no model named: serving the default model, Gemma 3 270M (base, GGUF Q4_K_M) on the CPU, from "
              << d.path;
    LOG(INFO) << d.license << " (" << d.terms << ")";
    if (a.engine.device == "auto") a.engine.device = "cpu";  // GGUF block formats are CPU-only for now
    const std::string name = a.cfg.served_model_name.empty() ? d.name : a.cfg.served_model_name;
    specs.push_back({.name = name, .model = d.path, .source = a.source});
  }
  if (specs.size() > 1 && !a.cfg.served_model_name.empty() && a.model.empty())
    return InvalidArgument("--served-model-name names the positional MODEL; name the others with --model NAME=MODEL");
  return specs;
}

// Resolves every model (downloading hub models now, so a missing one fails at startup) and
// registers it with the router; a single model without --idle-unload loads now.
Status AddModels(ServeArgs& a, const std::vector<ServedModelSpec>& specs, server::ModelRouter* router) {
  const bool eager = specs.size() == 1 && a.idle_unload_s == 0;
  // Every rank loads its shard at startup and then follows rank 0's steps: one model, loaded now.
  if (a.engine.tensor_parallel_size > 1 && !eager)
    return InvalidArgument("--tensor-parallel-size serves exactly one model, loaded at startup (no --idle-unload)");
  for (const ServedModelSpec& spec : specs) {
    ASSIGN_OR_RETURN(ModelSource src, ResolveModelSource(spec.model, spec.source));
    if (src.dummy) {
      LOG(WARNING) << "serving '" << spec.name << "' with RANDOM (dummy) weights: its text is random, useful only for "
                   << "testing and benchmarking; pass a checkpoint directory or hub name for real output";
    }
    const EngineArgs engine = a.engine;
    RETURN_IF_ERROR(router->Add(spec.name, EstimateModelBytes(src, engine),
                                [src, engine] { return LoadServedModel(src, engine); }, eager));
    LOG(INFO) << "model '" << spec.name << "': " << (src.hub_repo.empty() ? src.dir : src.hub_repo + " @ " + src.hub_commit)
              << (eager ? "" : " (loads on its first request)");
  }
  return Status::Ok();
}

// The security-relevant settings and limits, stated plainly at startup.
void LogStartup(const ServeArgs& a, const server::ServerContext& ctx, size_t num_models) {
  const server::ServerConfig& c = ctx.config;
  LOG(INFO) << "vllm-cpp serve: " << num_models << (num_models == 1 ? " model" : " models") << " on http://" << c.host
            << ":" << c.port << (c.host == "0.0.0.0" || c.host == "::" ? " (ALL interfaces)" : "");
  LOG(INFO) << "auth: "
            << (c.api_key.empty() ? "OFF (no --api-key; anyone who can connect may use the API)"
                                  : "on (API key required on /v1/*, /tokenize, /detokenize)")
            << "; rate limit: " << (c.rate_limit_per_min > 0 ? std::to_string(c.rate_limit_per_min) + " req/min per client" : "off")
            << "; metrics: " << (c.enable_metrics ? "on (/metrics)" : "off");
  LOG(INFO) << "limits: default max_tokens " << c.limits.default_max_tokens << ", max request tokens "
            << c.limits.max_request_tokens << ", n <= " << api::kMaxChoices << ", body <= " << c.max_body_bytes
            << " B, timeout " << c.timeout_s << " s, waiting queue <= " << c.max_waiting_requests << ", max_num_seqs "
            << a.engine.max_num_seqs << ", prefix caching " << (a.engine.enable_prefix_caching ? "on" : "off");
  LOG(INFO) << "http: " << c.http_threads << " event-loop threads, " << c.http_workers << " workers (queue <= "
            << c.max_queued_requests << " requests, " << (c.max_queued_bytes >> 20) << " MiB), connections <= "
            << c.max_connections << ", request read timeout " << c.request_read_timeout_s << " s, keep-alive "
            << c.keep_alive_timeout_s << " s; origins: "
            << (c.allowed_origins.empty() ? (c.api_key.empty() ? "local only" : "any") : c.allowed_origins)
            << (c.api_key.empty() ? "; Host must be the bound address or localhost" : "");
  LOG(INFO) << "request limits: messages <= " << c.limits.max_messages << ", content parts <= "
            << c.limits.max_content_parts << ", tools <= " << c.limits.max_tools << ", stop <= " << c.limits.max_stop
            << " x " << c.limits.max_stop_bytes << " B, stop_token_ids <= " << c.limits.max_stop_token_ids
            << ", logit_bias <= " << c.limits.max_logit_bias << ", JSON depth <= 64; sampling seed: "
            << (a.seed ? "--seed " + std::to_string(*a.seed) : std::string("random per process"));
  if (num_models > 1 || a.idle_unload_s > 0 || !a.memory_budget.empty()) {
    LOG(INFO) << "models: idle unload " << (a.idle_unload_s > 0 ? std::to_string(a.idle_unload_s) + " s" : "off")
              << ", memory budget " << (a.memory_budget.empty() ? "none" : a.memory_budget);
  }
}

// Serves until SIGINT/SIGTERM: then no new requests (503), every open stream ends with
// finish_reason "abort" and [DONE], the listener closes, and we return 0.
int RunUntilSignal(sigset_t* signals, server::ModelRouter* router, server::ServerContext* ctx, server::HttpServer* http) {
  std::atomic<bool> run_returned{false};
  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(signals, &sig);
    if (run_returned) return;  // woken by ourselves after Run() ended
    LOG(INFO) << "signal " << sig << ": shutting down (no new requests; open streams end now)";
    ctx->draining = true;
    router->StopAll();  // every in-flight request ends with "abort"; streams write their tail
    ctx->engine_stopped = true;
    for (int i = 0; i < 200 && ctx->open_streams.load() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    http->Stop();
  });
  http->Run();
  run_returned = true;
  ctx->draining = true;
  router->StopAll();
  ctx->engine_stopped = true;
  pthread_kill(signal_thread.native_handle(), SIGTERM);  // wakes sigwait if no signal came
  signal_thread.join();
  LOG(INFO) << "vllm-cpp serve: stopped";
  return 0;
}

int Serve(ServeArgs& a) {
  sigset_t signals;
  BlockShutdownSignals(&signals);  // before any thread starts, so all inherit the mask
  auto specs = CollectModels(a);
  if (!specs.ok()) return Fail(specs.status().message());
  server::RouterConfig rc{.idle_unload_s = a.idle_unload_s};
  if (!a.memory_budget.empty()) {
    auto budget = ParseByteSize(a.memory_budget, "--memory-budget");
    if (!budget.ok()) return Fail(budget.status().message());
    rc.memory_budget_bytes = budget.value();
  }
  server::ServerContext ctx;
  RaiseFileLimit(&a.cfg);
  ctx.config = a.cfg;
  ctx.created_unix =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (ctx.config.rate_limit_per_min > 0)
    ctx.rate_limiter = std::make_unique<server::RateLimiter>(ctx.config.rate_limit_per_min);
  server::ModelRouter router(&ctx, rc);
  if (Status st = AddModels(a, specs.value(), &router); !st.ok()) return Fail(st.message());
  ctx.router = &router;
  server::HttpServer http(&ctx);
  if (!http.Bind()) return 1;
  router.Start();
  LogStartup(a, ctx, specs->size());
  return RunUntilSignal(&signals, &router, &ctx, &http);
}

}  // namespace

int RunServe(int argc, char** argv) {
  CLI::App app{"OpenAI- and Anthropic-compatible HTTP server. Continuous batching and the paged KV cache are always on.",
               "vllm-cpp serve"};
  ServeArgs a;
  server::ServerConfig& c = a.cfg;
  app.add_option("model", a.model, std::string("Checkpoint directory, GGUF file, hub name ORG/NAME[@REV][:QUANT], or "
                                               "preset name; default: Gemma 3 270M (deps/gemma3, installed by scripts/setup.sh), or with "
                                               "--load-format dummy ") + kDefaultDummyModel + " with random weights");
  app.add_option("--host", c.host, "Bind address (0.0.0.0 exposes the server on every interface)")->capture_default_str();
  app.add_option("--port", c.port, "TCP port")->capture_default_str();
  app.add_option("--served-model-name", a.served_model_names,
                 "Model name clients use (default: the model directory's base name); further names are aliases "
                 "(as vLLM: --served-model-name NAME ALIAS...)");
  app.add_option("--api-key", c.api_key, "Require this key (Authorization: Bearer KEY or x-api-key: KEY)");
  app.add_option("--max-num-seqs", a.engine.max_num_seqs, "Most sequences in one batch")->capture_default_str();
  app.add_option("--max-num-batched-tokens", a.engine.max_num_batched_tokens, "Token budget of one engine step")->capture_default_str();
  app.add_option("--kv-cache-memory", a.kv_cache_memory, "KV cache size (bytes, or with a unit: 4GiB, 512MiB)")->capture_default_str();
  app.add_option("--block-size", a.engine.block_size, "KV cache block size (tokens)")->capture_default_str();
  app.add_option("--state-cache-memory", a.state_cache_memory,
                 "Per-sequence recurrent state of hybrid models (nemotron_h): at most this much; fewer slots "
                 "than --max-num-seqs clamp the batch")->capture_default_str();
  app.add_option("--state-snapshot-memory", a.state_snapshot_memory,
                 "Hybrid models: prefix caching through saved states at block boundaries, at most this much "
                 "memory of them (0: prefix caching off for such models)")->capture_default_str();
  app.add_option("--tensor-parallel-size", a.engine.tensor_parallel_size,
                 "Shard the model over this many processes (run under mpirun -np N; rank 0 serves HTTP)")
      ->capture_default_str();
  app.add_option("--data-parallel-size", a.engine.data_parallel_size,
                 "Engines (model replicas, each with its KV cache) behind the endpoint, routed by load and "
                 "prefix-cache affinity")
      ->capture_default_str();
  app.add_option("--num-kv-blocks", a.engine.num_kv_blocks, "KV cache size in blocks (overrides --kv-cache-memory)");
  app.add_option("--kv-cache-dtype", a.kv_cache_dtype, "auto (bf16) | bf16 | f16 | f32")->capture_default_str();
  app.add_flag("--enable-prefix-caching,!--no-enable-prefix-caching", a.engine.enable_prefix_caching,
               "Share KV blocks of common prompt prefixes (default on)");
  app.add_option("--max-model-len", a.engine.max_model_len, "Context length (0: the model's)")->capture_default_str();
  app.add_option("--pooling", c.pooling,
                 "Embedding pooling: last | mean | cls (default: the checkpoint's sentence-transformers config, else last)")
      ->check(CLI::IsMember({"last", "mean", "cls"}));
  app.add_option("--max-tokens", c.limits.default_max_tokens,
                 "Cap on max_tokens of requests that give none (0: the remaining context)")->capture_default_str();
  app.add_option("--max-request-tokens", c.limits.max_request_tokens, "Largest max_tokens a request may ask for")->capture_default_str();
  app.add_option("--timeout", c.timeout_s, "Per-request timeout in seconds (504 after it)")->capture_default_str();
  app.add_option("--rate-limit", c.rate_limit_per_min, "Requests per minute per client address (0: off)")->capture_default_str();
  app.add_flag("--enable-metrics", c.enable_metrics, "Serve Prometheus metrics on GET /metrics");
  app.add_option("--reasoning-parser", a.reasoning_parser, "Split <think>...</think> into reasoning: qwen3 | deepseek_r1")
      ->check(CLI::IsMember({"qwen3", "deepseek_r1"}));
  app.add_option("--default-temperature", a.default_temperature, "temperature of requests that give none");
  app.add_option("--default-top-p", a.default_top_p, "top_p of requests that give none");
  app.add_option("--default-top-k", a.default_top_k, "top_k of requests that give none");
  app.add_option("--default-chat-template-kwargs", a.default_chat_template_kwargs,
                 "JSON object of chat-template variables, e.g. '{\"enable_thinking\": false}'");
  app.add_option("--threads", a.engine.threads, "Compute threads (0: one per physical core)")->capture_default_str();
  app.add_option("--device", a.engine.device, "cpu | cuda | auto (cuda when built with it and a GPU is present)")
      ->capture_default_str();
  app.add_option("--gpu-memory-utilization", a.engine.gpu_memory_utilization,
                 "Fraction of the GPU's memory this server may use; the KV cache gets what the weights and "
                 "step buffers leave (overrides --kv-cache-memory; GPU only)");
  app.add_flag("--enforce-eager", a.engine.enforce_eager,
               "Run every step eagerly: no CUDA graphs for decode steps (as vLLM's flag)");
  app.add_option("--grammar-threads", a.engine.grammar_threads,
                 "Threads computing structured-output masks while the next step runs (0: on the engine "
                 "thread after each token; -1: 2 on CUDA or where the CPU has 2 cores beyond --threads, else 0)")
      ->check(CLI::Range(-1, 64))
      ->capture_default_str();
  AddModelSourceFlags(app, &a.source);
  app.add_option("--model", a.model_flags, "Serve this model too, as [NAME=]MODEL (repeatable; several models load "
                                           "on their first request)");
  app.add_option("--models-config", a.models_config, "YAML/JSON file listing the models to serve (src/cli/models_config.h)");
  app.add_option("--idle-unload", a.idle_unload_s, "Unload a model idle for this many seconds (0: never)")
      ->capture_default_str();
  app.add_option("--memory-budget", a.memory_budget,
                 "Most memory the loaded models may take (weights + KV cache, e.g. 8GiB); the least recently used "
                 "idle model is unloaded to make room");
  app.add_option("--max-body-size", c.max_body_bytes, "Largest request body in bytes (413 beyond)")->capture_default_str();
  app.add_option("--max-waiting-requests", c.max_waiting_requests, "Waiting-queue depth beyond which requests get 503")
      ->capture_default_str();
  app.add_option("--http-threads", c.http_threads, "HTTP event-loop threads (they hold every connection)")->capture_default_str();
  app.add_option("--http-workers", c.http_workers, "Threads that parse requests, render templates and tokenize")
      ->capture_default_str();
  app.add_option("--max-queued-requests", c.max_queued_requests, "Requests waiting for a worker beyond which 503")
      ->capture_default_str();
  app.add_option("--max-queued-bytes", c.max_queued_bytes, "Bytes of request bodies waiting for a worker beyond which 503")
      ->capture_default_str();
  app.add_option("--max-connections", c.max_connections, "Open connections beyond which new ones get 503")
      ->capture_default_str();
  app.add_option("--request-read-timeout", c.request_read_timeout_s, "Seconds to receive a request's header and body (408 after)")
      ->capture_default_str();
  app.add_option("--keep-alive-timeout", c.keep_alive_timeout_s, "Seconds an idle connection stays open")->capture_default_str();
  app.add_option("--allowed-origins", c.allowed_origins,
                 "CORS: '*', or comma-separated origins (default: any with --api-key, else local origins only)");
  app.add_option("--seed", a.seed, "Seed of unseeded sampling (default: random per process)");
  app.add_option("--max-messages", c.limits.max_messages, "Most messages in one request")->capture_default_str();
  app.add_option("--max-content-parts", c.limits.max_content_parts, "Most content parts in one message")->capture_default_str();
  app.add_option("--max-tools", c.limits.max_tools, "Most tools in one request")->capture_default_str();
  app.add_option("--max-stop", c.limits.max_stop, "Most stop strings in one request")->capture_default_str();
  app.add_option("--max-stop-bytes", c.limits.max_stop_bytes, "Longest stop string in bytes")->capture_default_str();
  app.add_option("--max-stop-token-ids", c.limits.max_stop_token_ids, "Most stop_token_ids in one request")->capture_default_str();
  app.add_option("--max-logit-bias", c.limits.max_logit_bias, "Most logit_bias entries in one request")->capture_default_str();
  app.add_flag("--continuous-batching", a.continuous_batching, "Accepted for vllm-mlx compatibility: batching is always on");
  app.add_flag("--use-paged-cache", a.use_paged_cache, "Accepted for vllm-mlx compatibility: the KV cache is always paged");
  app.add_option("--cache-memory-mb", a.cache_memory_mb, "vllm-mlx spelling of --kv-cache-memory, in MiB");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (!a.served_model_names.empty()) {
    c.served_model_name = a.served_model_names.front();
    c.served_model_aliases.assign(a.served_model_names.begin() + 1, a.served_model_names.end());
    for (const std::string& n : a.served_model_names)
      if (n.empty()) return Fail("--served-model-name: names must not be empty");
    // It takes every word after it (as vLLM's does): a MODEL written after it lands here.
    std::error_code ec;
    if (a.model.empty() && a.served_model_names.size() > 1 &&
        std::filesystem::exists(a.served_model_names.back(), ec))
      return Fail("--served-model-name took '" + a.served_model_names.back() +
                  "' as an alias; put MODEL before --served-model-name");
  }
  if (!a.reasoning_parser.empty()) c.reasoning = api::ParseReasoningStyle(a.reasoning_parser);
  if (!a.default_chat_template_kwargs.empty()) {
    auto kwargs = api::ParseJsonObject(a.default_chat_template_kwargs, "--default-chat-template-kwargs");
    if (!kwargs.ok()) return Fail(kwargs.status().message());
    c.default_chat_template_kwargs = std::move(kwargs.value());
  }
  c.limits.default_temperature = a.default_temperature;
  c.limits.default_top_p = a.default_top_p;
  c.limits.default_top_k = a.default_top_k;
  if (a.cache_memory_mb > 0) {
    if (a.cache_memory_mb > (int64_t{1} << 40)) return Fail("--cache-memory-mb is too large");
    a.engine.kv_cache_bytes = a.cache_memory_mb << 20;
  } else {
    auto bytes = ParseByteSize(a.kv_cache_memory, "--kv-cache-memory");
    if (!bytes.ok()) return Fail(bytes.status().message());
    a.engine.kv_cache_bytes = bytes.value();
  }
  auto state_bytes = ParseByteSize(a.state_cache_memory, "--state-cache-memory");
  if (!state_bytes.ok()) return Fail(state_bytes.status().message());
  a.engine.state_cache_bytes = state_bytes.value();
  if (a.state_snapshot_memory != "0") {  // "0": off (the default)
    auto snapshot_bytes = ParseByteSize(a.state_snapshot_memory, "--state-snapshot-memory");
    if (!snapshot_bytes.ok()) return Fail(snapshot_bytes.status().message());
    a.engine.state_snapshot_bytes = snapshot_bytes.value();
  }
  auto kv_dtype = ParseKvCacheDtype(a.kv_cache_dtype);
  if (!kv_dtype.ok()) return Fail(kv_dtype.status().message());
  a.engine.kv_dtype = kv_dtype.value();
  if (a.engine.num_kv_blocks < 0) return Fail("--num-kv-blocks must be >= 0");
  if (a.engine.tensor_parallel_size < 1) return Fail("--tensor-parallel-size must be >= 1");
  if (a.engine.data_parallel_size < 1 || a.engine.data_parallel_size > 64)
    return Fail("--data-parallel-size must be in [1, 64]");
  if (!(a.engine.gpu_memory_utilization >= 0 && a.engine.gpu_memory_utilization <= 1))
    return Fail("--gpu-memory-utilization must be in (0, 1]");
  if (c.limits.default_max_tokens < 0) return Fail("--max-tokens must be >= 0");
  if (c.limits.max_request_tokens < 1) return Fail("--max-request-tokens must be >= 1");
  if (a.engine.block_size < 1 || a.engine.max_num_seqs < 1 || a.engine.max_num_batched_tokens < 1) return Fail("--block-size, --max-num-seqs and --max-num-batched-tokens must be >= 1");
  if (c.http_threads < 1 || c.http_workers < 1) return Fail("--http-threads and --http-workers must be >= 1");
  if (c.max_queued_requests < 1 || c.max_connections < 1 || c.max_queued_bytes < 1)
    return Fail("--max-queued-requests, --max-queued-bytes and --max-connections must be >= 1");
  if (!(c.request_read_timeout_s > 0) || !(c.keep_alive_timeout_s > 0))
    return Fail("--request-read-timeout and --keep-alive-timeout must be > 0");
  for (int32_t v : {c.limits.max_messages, c.limits.max_content_parts, c.limits.max_tools, c.limits.max_stop,
                    c.limits.max_stop_bytes, c.limits.max_stop_token_ids, c.limits.max_logit_bias})
    if (v < 0) return Fail("the --max-* request limits must be >= 0");
  // Unseeded requests derive their randomness from this: fixed only when asked (--seed),
  // else fresh per process so a restart does not replay the same random stream.
  a.engine.seed = a.seed ? *a.seed : (static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
  if (!(c.timeout_s > 0)) return Fail("--timeout must be > 0");
  return Serve(a);
}

}  // namespace vllm::cli
