// `vllm-cpp generate MODEL --prompt TEXT | --prompt-ids 1,2,3 [--max-tokens N] ...`
// One request through the engine (stepped on this thread), streaming text to stdout.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.h"
#include "bench/model_flags.h"
#include "cli/prompt_logits.h"
#include "dist/communicator.h"
#include "cli/tensor_parallel.h"
#include "engine/engine.h"
#include "model/model_source.h"
#include "kernels/step_profile.h"
#include "util/npy.h"
#include "tokenizer/load_tokenizer.h"

namespace vllm::cli {

namespace {

using Clock = std::chrono::steady_clock;

struct GenerateArgs {
  std::string model, prompt, prompt_ids;
  int max_tokens = 64;
  float temperature = 0.f, top_p = 1.f;
  int top_k = 0;
  int64_t seed = -1;
  bool ignore_eos = false, json = false;
  ModelSourceOptions source;
  int threads = 0, block_size = 16;
  std::string device = "auto";
  bool enforce_eager = false;
  std::string dump_logits, dump_positions = "-1";
  std::string kv_cache_dtype = "auto";
  int prefill_chunk = 0;  // > 0: the prompt runs in chunks of this many tokens (state tests)
  int tensor_parallel_size = 1;
};

int Fail(const Status& st) {
  std::fprintf(stderr, "error: %s\n", st.message().c_str());
  return 1;
}

Result<std::vector<int32_t>> ParseIdList(const std::string& text, const char* flag) {
  std::vector<int32_t> ids;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    char* end = nullptr;
    long v = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0') return InvalidArgument(std::string(flag) + ": '" + item + "' is not an integer");
    ids.push_back(static_cast<int32_t>(v));
  }
  return ids;
}

Result<std::vector<int32_t>> PromptIds(const GenerateArgs& a, const Tokenizer* tok) {
  if (!a.prompt_ids.empty()) return ParseIdList(a.prompt_ids, "--prompt-ids");
  if (!tok) return NotFound("model '" + a.model + "' has no tokenizer.json: use --prompt-ids");
  return tok->Encode(a.prompt);
}

Status DumpLogits(const GenerateArgs& a, Model& model, const std::vector<int32_t>& prompt) {
  ASSIGN_OR_RETURN(std::vector<int32_t> raw, ParseIdList(a.dump_positions, "--dump-positions"));
  const int64_t P = static_cast<int64_t>(prompt.size());
  std::vector<int64_t> positions;
  for (int32_t p : raw) {
    const int64_t q = p < 0 ? P + p : p;
    if (q < 0 || q >= P) return InvalidArgument("--dump-positions: " + std::to_string(p) + " is outside the prompt");
    positions.push_back(q);
  }
  ASSIGN_OR_RETURN(DType kv_dtype, ParseKvCacheDtype(a.kv_cache_dtype));
  std::vector<float> logits = PromptLogits(model, prompt, positions, a.block_size, kv_dtype, a.prefill_chunk);
  return WriteNpyF32(a.dump_logits, logits.data(),
                     {static_cast<int64_t>(positions.size()), model.config().vocab_size});
}

int Generate(const GenerateArgs& a) {
  auto src = ResolveModelSource(a.model, a.source);
  if (!src.ok()) return Fail(src.status());
  std::shared_ptr<const Tokenizer> tok;
  if (!src->tokenizer_dir.empty()) {
    auto t = LoadTokenizer(src->tokenizer_dir);
    if (!t.ok()) return Fail(t.status());
    tok = std::move(t.value());
  }
  auto prompt = PromptIds(a, tok.get());
  if (!prompt.ok()) return Fail(prompt.status());
  const int64_t P = static_cast<int64_t>(prompt->size());
  const int32_t kBatch = 512;
  auto device = ParseDevice(a.device);
  if (!device.ok()) return Fail(device.status());
  Communicator* tp_comm = nullptr;  // ranks other than 0 serve rank 0's steps in LeadOrServeShard and exit there
  if (a.tensor_parallel_size > 1) {
    auto comm = WorldCommunicator(a.tensor_parallel_size);
    if (!comm.ok()) return Fail(comm.status());
    tp_comm = comm.value();
  }
  auto model = BuildModel(src.value(),
                          {.max_num_tokens = kBatch, .num_threads = a.threads, .device = *device, .tp_comm = tp_comm},
                          a.seed < 0 ? 0 : static_cast<uint64_t>(a.seed));
  if (!model.ok()) return Fail(model.status());
  if (tp_comm) *model = LeadOrServeShard(std::move(model.value()), src->config, *tp_comm);  // ranks > 0 end there
  if (!a.dump_logits.empty() && P > 0) {
    Status st = DumpLogits(a, *model.value(), prompt.value());
    if (!st.ok()) return Fail(st);
  }
  auto kv_dtype = ParseKvCacheDtype(a.kv_cache_dtype);
  if (!kv_dtype.ok()) return Fail(kv_dtype.status());
  EngineConfig ec{.block_size = a.block_size,
                  .kv_cache_dtype = kv_dtype.value(),
                  .num_kv_blocks = (P + a.max_tokens + a.block_size - 1) / a.block_size + 1,
                  .max_num_seqs = 1,
                  .max_num_batched_tokens = a.prefill_chunk > 0 ? std::min(a.prefill_chunk, kBatch) : kBatch,
                  .max_model_len = std::max<int64_t>(P + a.max_tokens, 1),
                  .enforce_eager = a.enforce_eager};
  Engine engine(std::move(model.value()), tok, ec);
  EngineRequest req{.request_id = "generate", .prompt_token_ids = prompt.value()};
  req.params.temperature = a.temperature;
  req.params.top_p = a.top_p;
  req.params.top_k = a.top_k;
  req.params.max_tokens = a.max_tokens;
  req.params.ignore_eos = a.ignore_eos;
  if (a.seed >= 0) req.params.seed = static_cast<uint64_t>(a.seed);
  const auto t0 = Clock::now();
  auto stream = engine.Submit(req);
  if (!stream.ok()) return Fail(stream.status());
  std::vector<int32_t> ids;
  std::string text;
  double ttft_ms = 0;
  Clock::time_point t_first = t0;
  FinishReason reason = FinishReason::kNone;
  while (engine.Step() || !stream.value()->Done()) {
    while (auto out = stream.value()->Pop(std::chrono::milliseconds(0))) {
      if (ids.empty() && !out->new_token_ids.empty()) {
        t_first = Clock::now();
        ttft_ms = std::chrono::duration<double, std::milli>(t_first - t0).count();
      }
      ids.insert(ids.end(), out->new_token_ids.begin(), out->new_token_ids.end());
      text += out->text_delta;
      if (!a.json) std::fputs(out->text_delta.c_str(), stdout), std::fflush(stdout);
      if (out->finished) reason = out->finish_reason;
    }
  }
  const double decode_s = std::chrono::duration<double>(Clock::now() - t_first).count();
  const double tok_s = ids.size() > 1 && decode_s > 0 ? (ids.size() - 1) / decode_s : 0.0;
  if (a.json) {
    nlohmann::json out = {{"prompt_token_ids", prompt.value()}, {"token_ids", ids},
                          {"text", text}, {"finish_reason", FinishReasonName(reason)},
                          {"ttft_ms", ttft_ms}, {"tokens_per_s", tok_s},
                          {"prompt_tokens_per_s", ttft_ms > 0 ? P / (ttft_ms / 1000.0) : 0.0}};
    std::cout << out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
  } else {
    std::fprintf(stderr, "\n[%zu prompt tokens, %zu generated, TTFT %.1f ms, %.2f tok/s, finish: %s]\n",
                 static_cast<size_t>(P), ids.size(), ttft_ms, tok_s, FinishReasonName(reason));
  }
  // VLLM_CPP_PROFILE=1: where the forward passes spent their time (prefill and decode together).
  if (const std::string profile = StepProfile::Report(); !profile.empty()) std::fputs(profile.c_str(), stderr);
  return 0;
}

}  // namespace

int RunGenerate(int argc, char** argv) {
  CLI::App app{"Generate text from a prompt (greedy unless --temperature > 0)", "vllm-cpp generate"};
  GenerateArgs a;
  app.add_option("model", a.model, "Checkpoint directory, GGUF file, hub name ORG/NAME[@REV][:QUANT], or preset")->required();
  app.add_option("--prompt", a.prompt, "Prompt text (encoded with the model's tokenizer)");
  app.add_option("--prompt-ids", a.prompt_ids, "Prompt as comma-separated token ids");
  app.add_option("--max-tokens", a.max_tokens, "Tokens to generate")->capture_default_str();
  app.add_option("--temperature", a.temperature, "Sampling temperature (0: greedy)")->capture_default_str();
  app.add_option("--top-p", a.top_p, "Nucleus sampling threshold")->capture_default_str();
  app.add_option("--top-k", a.top_k, "Top-k sampling (0: off)")->capture_default_str();
  app.add_option("--seed", a.seed, "Sampling seed (and dummy-weight seed); -1: random")->capture_default_str();
  app.add_flag("--ignore-eos", a.ignore_eos, "Keep generating past EOS");
  app.add_flag("--json", a.json, "Print one JSON object instead of streaming text");
  AddModelSourceFlags(app, &a.source);
  app.add_option("--threads", a.threads, "Worker threads (0: one per physical core)")->capture_default_str();
  app.add_flag("--enforce-eager", a.enforce_eager, "No CUDA graphs for decode steps");
  app.add_option("--device", a.device, "cpu | cuda | auto (cuda when built with it and a GPU is present)")
      ->capture_default_str();
  app.add_option("--block-size", a.block_size, "KV cache block size")->capture_default_str();
  app.add_option("--prefill-chunk", a.prefill_chunk,
                 "Run the prompt in chunks of at most this many tokens (0: up to 512 at once)")->capture_default_str();
  app.add_option("--tensor-parallel-size", a.tensor_parallel_size,
                 "Shard the model over this many processes (run under mpirun -np N)")
      ->capture_default_str();
  app.add_option("--kv-cache-dtype", a.kv_cache_dtype, "auto (bf16) | bf16 | f16 | f32")->capture_default_str();
  app.add_option("--dump-logits", a.dump_logits, "Write prompt logits at --dump-positions to this .npy");
  app.add_option("--dump-positions", a.dump_positions, "Comma-separated prompt positions (negative: from the end)")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (a.prompt.empty() == a.prompt_ids.empty()) return Fail(InvalidArgument("give exactly one of --prompt or --prompt-ids"));
  if (a.tensor_parallel_size < 1) return Fail(InvalidArgument("--tensor-parallel-size must be >= 1"));
  if (a.block_size <= 0) return Fail(InvalidArgument("--block-size must be > 0"));
  if (a.prefill_chunk < 0) return Fail(InvalidArgument("--prefill-chunk must be >= 0"));
  if (a.max_tokens < 0) return Fail(InvalidArgument("--max-tokens must be >= 0"));
  return Generate(a);
}

}  // namespace vllm::cli
