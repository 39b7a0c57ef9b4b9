// `vllm-cpp serve [MODEL] [options]`: the OpenAI- and Anthropic-compatible HTTP server.
//
// Threads: the engine thread (Engine::Start) does only engine steps; event-loop threads
// move bytes; HTTP worker threads do JSON, chat templates and tokenization; the stream hub
// feeds engine outputs to the connections; a signal thread turns SIGINT/SIGTERM into a
// clean shutdown (stop accepting, end open streams with a final chunk and [DONE], exit 0).
#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <pthread.h>
#include <sys/resource.h>

#include <filesystem>
#include <random>
#include <thread>

#include "cli/commands.h"
#include "engine/engine.h"
#include "model/model_source.h"
#include "server/http_server.h"
#include "server/server_context.h"
#include "util/logging.h"
#include "util/mem_available.h"

namespace vllm::cli {

namespace {

constexpr const char* kDefaultModel = "mlx-community/Qwen3-0.6B-8bit";

struct ServeArgs {
  std::string model;
  std::string load_format = "auto";
  server::ServerConfig cfg;
  int32_t max_num_seqs = 256;
  int32_t max_num_batched_tokens = 2048;
  std::string kv_cache_memory = "1GiB";
  int64_t kv_cache_bytes = 0;  // parsed from kv_cache_memory or cache_memory_mb
  int64_t cache_memory_mb = 0;
  int32_t block_size = 16;
  int64_t num_kv_blocks = 0;  // overrides kv_cache_memory when > 0
  std::string kv_cache_dtype = "auto";
  DType kv_dtype = DType::kBF16;
  bool enable_prefix_caching = true;
  int64_t max_model_len = 0;
  std::string reasoning_parser;
  std::string default_chat_template_kwargs;
  std::optional<float> default_temperature, default_top_p;
  std::optional<int32_t> default_top_k;
  int threads = 0;
  std::string device = "auto";
  std::optional<uint64_t> seed;  // unset: a fresh random seed per process
  bool continuous_batching = false, use_paged_cache = false;  // accepted, always on
};

int Fail(const std::string& msg) {
  std::fprintf(stderr, "error: %s\n", msg.c_str());
  return 1;
}

// "4GiB", "512MiB", "2GB", "1e9", "1073741824" -> bytes.
Result<int64_t> ParseBytes(const std::string& text) {
  size_t pos = 0;
  double v = 0;
  try {
    v = std::stod(text, &pos);
  } catch (...) {
    return InvalidArgument("--kv-cache-memory: '" + text + "' is not a size (e.g. 4GiB, 512MiB)");
  }
  std::string unit = text.substr(pos);
  for (auto& c : unit) c = static_cast<char>(std::tolower(c));
  double mult = 1;
  if (unit == "" || unit == "b") mult = 1;
  else if (unit == "k" || unit == "kb") mult = 1e3;
  else if (unit == "kib") mult = 1024.0;
  else if (unit == "m" || unit == "mb") mult = 1e6;
  else if (unit == "mib") mult = 1024.0 * 1024;
  else if (unit == "g" || unit == "gb") mult = 1e9;
  else if (unit == "gib") mult = 1024.0 * 1024 * 1024;
  else if (unit == "t" || unit == "tb") mult = 1e12;
  else if (unit == "tib") mult = 1024.0 * 1024 * 1024 * 1024;
  else return InvalidArgument("--kv-cache-memory: unknown unit '" + unit + "' (use B, KiB, MiB, GiB, KB, MB, GB)");
  if (!(v > 0)) return InvalidArgument("--kv-cache-memory must be > 0");
  // Converting a double past int64's range is undefined behaviour; nobody has 1 EiB.
  if (!(v * mult < 0x1p60)) return InvalidArgument("--kv-cache-memory: '" + text + "' is too large");
  return static_cast<int64_t>(v * mult);
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

// Model + tokenizer + engine from the flags. Engine is returned by pointer: it is
// immovable (it owns a thread and mutexes).
Result<std::unique_ptr<Engine>> LoadEngine(ServeArgs& a, std::shared_ptr<const Tokenizer>* tokenizer, bool* dummy) {
  auto src = ResolveModelSource(a.model, a.load_format);
  if (!src.ok()) return src.status();
  if (src->tokenizer_dir.empty()) return NotFound("serve needs a tokenizer: '" + a.model + "' has no tokenizer.json");
  ASSIGN_OR_RETURN(std::unique_ptr<Tokenizer> tok, Tokenizer::FromDirectory(src->tokenizer_dir));
  *tokenizer = std::move(tok);
  *dummy = src->dummy;
  ASSIGN_OR_RETURN(const Device device, ParseDevice(a.device));
  ASSIGN_OR_RETURN(std::unique_ptr<Model> model,
                   BuildModel(src.value(), {.max_num_tokens = a.max_num_batched_tokens, .num_threads = a.threads,
                                            .device = device}));
  const int64_t kv_bytes =
      a.num_kv_blocks > 0
          ? static_cast<int64_t>(model->MakeKvSpec(a.block_size, a.num_kv_blocks, a.kv_dtype).TotalBytes())
          : a.kv_cache_bytes;
  // The backend's free memory after the weights (MemAvailable on the CPU, free device memory
  // on a GPU); 0 where it cannot be known.
  if (const size_t avail = model->backend().AvailableMemory(); avail > 0)
    RETURN_IF_ERROR(CheckKvCacheFits(kv_bytes, static_cast<int64_t>(avail),
                                     a.num_kv_blocks > 0 ? "--num-kv-blocks" : "--kv-cache-memory"));
  // Unseeded requests derive their randomness from this: fixed only when asked (--seed),
  // else fresh per process so a restart does not replay the same random stream.
  const uint64_t seed = a.seed ? *a.seed : (static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
  EngineConfig ec{.block_size = a.block_size,
                  .kv_cache_dtype = a.kv_dtype,
                  .num_kv_blocks = a.num_kv_blocks,
                  .kv_cache_memory_bytes = a.kv_cache_bytes,
                  .enable_prefix_caching = a.enable_prefix_caching,
                  .max_num_seqs = a.max_num_seqs,
                  .max_num_batched_tokens = a.max_num_batched_tokens,
                  .max_model_len = a.max_model_len,
                  .seed = seed};
  return std::make_unique<Engine>(std::move(model), *tokenizer, ec);
}

void InitContext(const ServeArgs& a, Engine* engine, std::shared_ptr<const Tokenizer> tokenizer,
                 server::ServerContext* ctx) {
  ctx->config = a.cfg;
  if (ctx->config.served_model_name.empty()) ctx->config.served_model_name = DefaultServedName(a.model);
  ctx->engine = engine;
  ctx->tokenizer = tokenizer;
  ctx->created_unix =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (tokenizer->chat_template().empty()) {
    LOG(WARNING) << "the tokenizer has no chat template: /v1/chat/completions and /v1/messages will answer 400";
  } else if (auto t = ChatTemplate::Parse(tokenizer->chat_template()); t.ok()) {
    ctx->chat_template = std::move(t.value());
  } else {
    LOG(WARNING) << "chat template does not parse (chat endpoints will answer 400): " << t.status().message();
  }
  if (ctx->config.rate_limit_per_min > 0)
    ctx->rate_limiter = std::make_unique<server::RateLimiter>(ctx->config.rate_limit_per_min);
}

// The security-relevant settings and limits, stated plainly at startup.
void LogStartup(const ServeArgs& a, const server::ServerContext& ctx, bool random_weights) {
  const server::ServerConfig& c = ctx.config;
  const EngineStats st = ctx.engine->Stats();
  if (random_weights) {
    LOG(WARNING) << "serving '" << a.model << "' with RANDOM (dummy) weights: its text is random, useful only for "
                 << "testing and benchmarking; pass a checkpoint directory for real output";
  }
  LOG(INFO) << "vllm-cpp serve: model '" << c.served_model_name << "' on http://" << c.host << ":" << c.port
            << (c.host == "0.0.0.0" || c.host == "::" ? " (ALL interfaces)" : "");
  LOG(INFO) << "auth: "
            << (c.api_key.empty() ? "OFF (no --api-key; anyone who can connect may use the API)"
                                  : "on (API key required on /v1/*, /tokenize, /detokenize)")
            << "; rate limit: " << (c.rate_limit_per_min > 0 ? std::to_string(c.rate_limit_per_min) + " req/min per client" : "off")
            << "; metrics: " << (c.enable_metrics ? "on (/metrics)" : "off");
  LOG(INFO) << "limits: max_model_len " << ctx.engine->max_model_len() << ", default max_tokens "
            << c.limits.default_max_tokens << ", max request tokens " << c.limits.max_request_tokens << ", n <= "
            << api::kMaxChoices << ", body <= " << c.max_body_bytes << " B, timeout " << c.timeout_s
            << " s, waiting queue <= " << c.max_waiting_requests << ", max_num_seqs " << a.max_num_seqs << ", KV blocks "
            << st.kv_blocks_total << " x " << st.block_size << " tokens, prefix caching "
            << (a.enable_prefix_caching ? "on" : "off");
  LOG(INFO) << "http: " << c.http_threads << " event-loop threads, " << c.http_workers << " workers (queue <= "
            << c.max_queued_requests << " requests, " << (c.max_queued_bytes >> 20) << " MiB), connections <= " << c.max_connections << ", request read timeout "
            << c.request_read_timeout_s << " s, keep-alive " << c.keep_alive_timeout_s << " s; origins: "
            << (c.allowed_origins.empty() ? (c.api_key.empty() ? "local only" : "any") : c.allowed_origins)
            << (c.api_key.empty() ? "; Host must be the bound address or localhost" : "");
  LOG(INFO) << "request limits: messages <= " << c.limits.max_messages << ", content parts <= "
            << c.limits.max_content_parts << ", tools <= " << c.limits.max_tools << ", stop <= " << c.limits.max_stop
            << " x " << c.limits.max_stop_bytes << " B, stop_token_ids <= " << c.limits.max_stop_token_ids
            << ", logit_bias <= " << c.limits.max_logit_bias << ", JSON depth <= 64; sampling seed: "
            << (a.seed ? "--seed " + std::to_string(*a.seed) : std::string("random per process"));
  const int64_t kv_tokens = static_cast<int64_t>(st.kv_blocks_total) * st.block_size;
  if (kv_tokens < ctx.engine->max_model_len()) {
    LOG(WARNING) << "the KV cache holds " << kv_tokens << " tokens, fewer than max_model_len "
                 << ctx.engine->max_model_len() << ": longer requests answer 400 (raise --kv-cache-memory)";
  }
}

// Serves until SIGINT/SIGTERM: then no new requests (503), every open stream ends with
// finish_reason "abort" and [DONE], the listener closes, and we return 0.
int RunUntilSignal(sigset_t* signals, Engine* engine, server::ServerContext* ctx, server::HttpServer* http) {
  std::atomic<bool> run_returned{false};
  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(signals, &sig);
    if (run_returned) return;  // woken by ourselves after Run() ended
    LOG(INFO) << "signal " << sig << ": shutting down (no new requests; open streams end now)";
    ctx->draining = true;
    engine->Stop();  // every in-flight request ends with "abort"; streams write their tail
    ctx->engine_stopped = true;
    for (int i = 0; i < 200 && ctx->open_streams.load() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    http->Stop();
  });
  http->Run();
  run_returned = true;
  ctx->draining = true;
  engine->Stop();
  ctx->engine_stopped = true;
  pthread_kill(signal_thread.native_handle(), SIGTERM);  // wakes sigwait if no signal came
  signal_thread.join();
  LOG(INFO) << "vllm-cpp serve: stopped";
  return 0;
}

int Serve(ServeArgs& a) {
  sigset_t signals;
  BlockShutdownSignals(&signals);  // before any thread starts, so all inherit the mask
  const bool embedded_default = a.model.empty();
  if (embedded_default) {
    a.model = kDefaultModel;
    if (a.load_format == "auto") a.load_format = "dummy";
  }
  std::shared_ptr<const Tokenizer> tokenizer;
  bool dummy = false;
  auto engine = LoadEngine(a, &tokenizer, &dummy);
  if (!engine.ok()) return Fail(engine.status().message());
  server::ServerContext ctx;
  RaiseFileLimit(&a.cfg);
  InitContext(a, engine->get(), tokenizer, &ctx);
  server::HttpServer http(&ctx);
  if (!http.Bind()) return 1;
  (*engine)->Start();
  LogStartup(a, ctx, embedded_default || dummy);
  return RunUntilSignal(&signals, engine->get(), &ctx, &http);
}

}  // namespace

int RunServe(int argc, char** argv) {
  CLI::App app{"OpenAI- and Anthropic-compatible HTTP server. Continuous batching and the paged KV cache are always on.",
               "vllm-cpp serve"};
  ServeArgs a;
  server::ServerConfig& c = a.cfg;
  app.add_option("model", a.model, std::string("Checkpoint directory or preset name; default: ") + kDefaultModel +
                                       " with dummy (random) weights");
  app.add_option("--host", c.host, "Bind address (0.0.0.0 exposes the server on every interface)")->capture_default_str();
  app.add_option("--port", c.port, "TCP port")->capture_default_str();
  app.add_option("--served-model-name", c.served_model_name, "Model name clients use (default: the model directory's base name)");
  app.add_option("--api-key", c.api_key, "Require this key (Authorization: Bearer KEY or x-api-key: KEY)");
  app.add_option("--max-num-seqs", a.max_num_seqs, "Most sequences in one batch")->capture_default_str();
  app.add_option("--max-num-batched-tokens", a.max_num_batched_tokens, "Token budget of one engine step")->capture_default_str();
  app.add_option("--kv-cache-memory", a.kv_cache_memory, "KV cache size (bytes, or with a unit: 4GiB, 512MiB)")->capture_default_str();
  app.add_option("--block-size", a.block_size, "KV cache block size (tokens)")->capture_default_str();
  app.add_option("--num-kv-blocks", a.num_kv_blocks, "KV cache size in blocks (overrides --kv-cache-memory)");
  app.add_option("--kv-cache-dtype", a.kv_cache_dtype, "auto (bf16) | bf16 | f16 | f32")->capture_default_str();
  app.add_flag("--enable-prefix-caching,!--no-enable-prefix-caching", a.enable_prefix_caching,
               "Share KV blocks of common prompt prefixes (default on)");
  app.add_option("--max-model-len", a.max_model_len, "Context length (0: the model's)")->capture_default_str();
  app.add_option("--max-tokens", c.limits.default_max_tokens, "max_tokens of requests that give none")->capture_default_str();
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
  app.add_option("--threads", a.threads, "Compute threads (0: one per physical core)")->capture_default_str();
  app.add_option("--device", a.device, "cpu | cuda | auto (cuda when built with it and a GPU is present)")
      ->capture_default_str();
  app.add_option("--load-format", a.load_format, "auto | safetensors | dummy (random weights)")->capture_default_str();
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
    a.kv_cache_bytes = a.cache_memory_mb << 20;
  } else {
    auto bytes = ParseBytes(a.kv_cache_memory);
    if (!bytes.ok()) return Fail(bytes.status().message());
    a.kv_cache_bytes = bytes.value();
  }
  auto kv_dtype = ParseKvCacheDtype(a.kv_cache_dtype);
  if (!kv_dtype.ok()) return Fail(kv_dtype.status().message());
  a.kv_dtype = kv_dtype.value();
  if (a.num_kv_blocks < 0) return Fail("--num-kv-blocks must be >= 0");
  if (c.limits.default_max_tokens < 1) return Fail("--max-tokens must be >= 1");
  if (c.limits.max_request_tokens < 1) return Fail("--max-request-tokens must be >= 1");
  if (a.block_size < 1 || a.max_num_seqs < 1 || a.max_num_batched_tokens < 1) return Fail("--block-size, --max-num-seqs and --max-num-batched-tokens must be >= 1");
  if (c.http_threads < 1 || c.http_workers < 1) return Fail("--http-threads and --http-workers must be >= 1");
  if (c.max_queued_requests < 1 || c.max_connections < 1 || c.max_queued_bytes < 1)
    return Fail("--max-queued-requests, --max-queued-bytes and --max-connections must be >= 1");
  if (!(c.request_read_timeout_s > 0) || !(c.keep_alive_timeout_s > 0))
    return Fail("--request-read-timeout and --keep-alive-timeout must be > 0");
  for (int32_t v : {c.limits.max_messages, c.limits.max_content_parts, c.limits.max_tools, c.limits.max_stop,
                    c.limits.max_stop_bytes, c.limits.max_stop_token_ids, c.limits.max_logit_bias})
    if (v < 0) return Fail("the --max-* request limits must be >= 0");
  if (!(c.timeout_s > 0)) return Fail("--timeout must be > 0");
  return Serve(a);
}

}  // namespace vllm::cli
