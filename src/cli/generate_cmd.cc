// `vllm-cpp generate MODEL --prompt TEXT | --prompt-ids 1,2,3 [--max-tokens N] ...`
// Single-sequence generation straight over the model and a private paged KV cache; the
// engine issue moves it onto the engine. Prompts longer than the model's scratch are
// prefilled in chunks (the paged attention reads earlier chunks from the cache).
#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "cli/commands.h"
#include "model/model_source.h"
#include "sampler/basic_sampler.h"
#include "util/logging.h"
#include "util/npy.h"

namespace vllm::cli {

namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

Result<std::vector<int32_t>> ParseIdList(const std::string& text, const char* flag) {
  std::vector<int32_t> ids;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      size_t used = 0;
      long v = std::stol(item, &used);
      if (used != item.size()) throw std::invalid_argument(item);
      ids.push_back(static_cast<int32_t>(v));
    } catch (const std::exception&) {
      return InvalidArgument(std::string(flag) + ": '" + item + "' is not an integer");
    }
  }
  return ids;
}

struct GenerateArgs {
  std::string model;
  std::string prompt;
  std::string prompt_ids;
  int max_tokens = 64;
  float temperature = 0.f;
  uint64_t seed = 0;
  bool ignore_eos = false;
  bool json = false;
  std::string load_format = "auto";
  int threads = 0;
  int block_size = 16;
  std::string dump_logits;
  std::string dump_positions = "-1";
};

int Fail(const Status& st) {
  std::fprintf(stderr, "error: %s\n", st.message().c_str());
  return 1;
}

// One sequence, positions [start, start + n) of `tokens`, its block table = 0..num_blocks-1.
void FillBatch(const std::vector<int32_t>& tokens, int64_t start, int64_t n, int64_t num_blocks,
               int64_t block_size, BatchInputs* in) {
  in->Clear();
  for (int64_t p = start; p < start + n; ++p) {
    in->token_ids.push_back(tokens[p]);
    in->positions.push_back(static_cast<int32_t>(p));
    in->slot_mapping.push_back(p);  // blocks are laid out in order: slot == position
  }
  in->query_start = {0, static_cast<int32_t>(n)};
  in->seq_lens = {static_cast<int32_t>(start + n)};
  in->max_blocks_per_seq = static_cast<int32_t>(num_blocks);
  for (int64_t b = 0; b < num_blocks; ++b) in->block_tables.push_back(static_cast<int32_t>(b));
  (void)block_size;
}

bool AllFinite(const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    if (!std::isfinite(x[i])) return false;
  return true;
}

int Generate(const GenerateArgs& a) {
  auto src = ResolveModelSource(a.model, a.load_format);
  if (!src.ok()) return Fail(src.status());
  const ModelConfig& cfg = src->config;
  std::vector<int32_t> prompt;
  if (!a.prompt_ids.empty()) {
    auto ids = ParseIdList(a.prompt_ids, "--prompt-ids");
    if (!ids.ok()) return Fail(ids.status());
    prompt = std::move(ids.value());
  } else {
    return Fail(Unimplemented("--prompt needs the tokenizer, which is not built yet; use --prompt-ids"));
  }
  if (prompt.empty()) return Fail(InvalidArgument("the prompt is empty"));
  for (int32_t id : prompt)
    if (id < 0 || id >= cfg.vocab_size)
      return Fail(InvalidArgument("prompt token id " + std::to_string(id) + " outside the vocabulary [0, " +
                                  std::to_string(cfg.vocab_size) + ")"));
  if (a.max_tokens < 0) return Fail(InvalidArgument("--max-tokens must be >= 0"));
  const int64_t P = static_cast<int64_t>(prompt.size());
  auto dump_pos = ParseIdList(a.dump_positions, "--dump-positions");
  if (!dump_pos.ok()) return Fail(dump_pos.status());
  std::vector<int64_t> positions;
  for (int32_t p : dump_pos.value()) {
    int64_t q = p < 0 ? P + p : p;
    if (q < 0 || q >= P) return Fail(InvalidArgument("--dump-positions: " + std::to_string(p) + " outside the prompt"));
    positions.push_back(q);
  }

  ModelOptions opts{.max_num_tokens = 512, .num_threads = a.threads};
  auto model_or = BuildModel(src.value(), opts, a.seed);
  if (!model_or.ok()) return Fail(model_or.status());
  Model& model = *model_or.value();
  const int64_t V = cfg.vocab_size, bs = a.block_size;
  const int64_t total = P + a.max_tokens;
  const int64_t num_blocks = (total + bs - 1) / bs;
  KvCacheTensors kv(model.MakeKvSpec(bs, num_blocks));
  std::vector<float> dumped(positions.size() * V);
  std::vector<float> logits;
  BatchInputs in;
  bool finite = true;
  std::mt19937_64 rng(a.seed);

  const auto t0 = Clock::now();
  std::vector<float> last_logits(V);
  for (int64_t start = 0; start < P; start += model.max_num_tokens()) {
    const int64_t n = std::min<int64_t>(model.max_num_tokens(), P - start);
    FillBatch(prompt, start, n, num_blocks, bs, &in);
    std::vector<size_t> dump_slots;  // which `positions` entries land in this chunk
    for (size_t i = 0; i < positions.size(); ++i)
      if (positions[i] >= start && positions[i] < start + n) {
        in.logits_indices.push_back(static_cast<int32_t>(positions[i] - start));
        dump_slots.push_back(i);
      }
    const bool last_chunk = start + n == P;
    if (last_chunk) in.logits_indices.push_back(static_cast<int32_t>(n - 1));
    logits.resize(in.logits_indices.size() * V);
    model.Forward(in, kv, logits.data());
    finite = finite && AllFinite(logits.data(), static_cast<int64_t>(logits.size()));
    for (size_t j = 0; j < dump_slots.size(); ++j)
      std::copy(logits.begin() + j * V, logits.begin() + (j + 1) * V, dumped.begin() + dump_slots[j] * V);
    if (last_chunk) std::copy(logits.end() - V, logits.end(), last_logits.begin());
  }
  if (!a.dump_logits.empty()) {
    Status st = WriteNpyF32(a.dump_logits, dumped.data(), {static_cast<int64_t>(positions.size()), V});
    if (!st.ok()) return Fail(st);
  }

  std::vector<int32_t> generated;
  auto is_eos = [&](int32_t id) {
    for (int32_t e : cfg.eos_token_ids)
      if (e == id) return true;
    return false;
  };
  double ttft_ms = 0;
  auto t_first = t0;
  if (a.max_tokens > 0) {
    int32_t next = SampleToken(last_logits.data(), V, a.temperature, rng);
    t_first = Clock::now();
    ttft_ms = Ms(t_first - t0);
    for (;;) {
      generated.push_back(next);
      if (!a.json) std::printf("%d ", next), std::fflush(stdout);
      if ((!a.ignore_eos && is_eos(next)) || static_cast<int>(generated.size()) >= a.max_tokens) break;
      const int64_t pos = P + static_cast<int64_t>(generated.size()) - 1;
      std::vector<int32_t> one = {next};
      FillBatch(one, 0, 1, num_blocks, bs, &in);
      in.positions[0] = static_cast<int32_t>(pos);
      in.slot_mapping[0] = pos;
      in.seq_lens[0] = static_cast<int32_t>(pos + 1);
      in.logits_indices = {0};
      model.Forward(in, kv, last_logits.data());
      finite = finite && AllFinite(last_logits.data(), V);
      next = SampleToken(last_logits.data(), V, a.temperature, rng);
    }
  }
  const auto t_end = Clock::now();
  const double decode_s = std::chrono::duration<double>(t_end - t_first).count();
  const double tok_s = generated.size() > 1 && decode_s > 0 ? (generated.size() - 1) / decode_s : 0.0;
  if (a.json) {
    nlohmann::json out = {{"prompt_token_ids", prompt},
                          {"token_ids", generated},
                          {"text", ""},
                          {"ttft_ms", ttft_ms},
                          {"tokens_per_s", tok_s},
                          {"prompt_tokens_per_s", ttft_ms > 0 ? P / (ttft_ms / 1000.0) : 0.0},
                          {"logits_finite", finite}};
    std::cout << out.dump() << std::endl;
  } else {
    std::printf("\n");
    std::fprintf(stderr, "TTFT %.1f ms, %.2f tok/s, %zu tokens\n", ttft_ms, tok_s, generated.size());
  }
  if (!finite) {
    std::fprintf(stderr, "error: non-finite logits\n");
    return 1;
  }
  return 0;
}

}  // namespace

int RunGenerate(int argc, char** argv) {
  CLI::App app{"Generate text from a prompt (greedy unless --temperature > 0)", "vllm-cpp generate"};
  GenerateArgs a;
  app.add_option("model", a.model, "Checkpoint directory or preset name (see `vllm-cpp models`)")->required();
  app.add_option("--prompt", a.prompt, "Prompt text");
  app.add_option("--prompt-ids", a.prompt_ids, "Prompt as comma-separated token ids");
  app.add_option("--max-tokens", a.max_tokens, "Tokens to generate")->capture_default_str();
  app.add_option("--temperature", a.temperature, "Sampling temperature (0: greedy)")->capture_default_str();
  app.add_option("--seed", a.seed, "RNG seed (sampling and dummy weights)")->capture_default_str();
  app.add_flag("--ignore-eos", a.ignore_eos, "Keep generating past EOS");
  app.add_flag("--json", a.json, "Print one JSON object instead of streaming text");
  app.add_option("--load-format", a.load_format, "auto | safetensors | dummy")->capture_default_str();
  app.add_option("--threads", a.threads, "Worker threads (0: all cores)")->capture_default_str();
  app.add_option("--block-size", a.block_size, "KV cache block size")->capture_default_str();
  app.add_option("--dump-logits", a.dump_logits, "Write prompt logits at --dump-positions to this .npy");
  app.add_option("--dump-positions", a.dump_positions, "Comma-separated prompt positions (negative: from the end)")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (a.prompt.empty() == a.prompt_ids.empty())
    return Fail(InvalidArgument("give exactly one of --prompt or --prompt-ids"));
  if (a.block_size <= 0) return Fail(InvalidArgument("--block-size must be > 0"));
  return Generate(a);
}

}  // namespace vllm::cli
