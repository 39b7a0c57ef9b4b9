// `vllm-cpp bench-overhead [MODEL] [--running 256] [--steps 200]`: the engine's per-step
// bookkeeping (Scheduler::Schedule + BuildBatchInputs + Scheduler::Update, i.e.
// everything but the forward pass and sampling) with N running decode sequences, as a
// fraction of the model's decode step for the same N sequences (and of a batch-1 step).
#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <cstdio>
#include <numeric>

#include "bench/commands.h"
#include "model/model_source.h"
#include "runner/batch_builder.h"
#include "runner/model_runner.h"
#include "scheduler/scheduler.h"

namespace vllm::bench {

namespace {

using Clock = std::chrono::steady_clock;
double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

}  // namespace

int RunBenchOverhead(int argc, char** argv) {
  CLI::App app{"Per-step scheduler + runner bookkeeping vs the model's decode step", "vllm-cpp bench-overhead"};
  std::string model_name = "mlx-community/Qwen3-0.6B-8bit";
  int running = 256, steps = 200, prompt_len = 32, threads = 0;
  app.add_option("model", model_name, "Preset (dummy weights) or checkpoint directory")->capture_default_str();
  app.add_option("--running", running, "Concurrent decoding sequences")->capture_default_str();
  app.add_option("--steps", steps, "Bookkeeping steps to time")->capture_default_str();
  app.add_option("--prompt-len", prompt_len, "Prompt tokens per sequence")->capture_default_str();
  app.add_option("--threads", threads, "Model threads (0: one per physical core)")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  auto src = ResolveModelSource(model_name, std::filesystem::is_directory(model_name) ? "auto" : "dummy");
  if (!src.ok()) return std::fprintf(stderr, "error: %s\n", src.status().message().c_str()), 1;
  auto model = BuildModel(src.value(), {.max_num_tokens = std::max(running, prompt_len), .num_threads = threads});
  if (!model.ok()) return std::fprintf(stderr, "error: %s\n", model.status().message().c_str()), 1;
  const int32_t bs = 16;
  const int64_t ctx = prompt_len + steps + 2;
  const int32_t blocks = static_cast<int32_t>(running * ((ctx + bs - 1) / bs));
  KvCacheManager kv({.num_blocks = blocks, .block_size = bs, .enable_prefix_caching = true});
  Scheduler sched({.max_num_seqs = running, .max_num_batched_tokens = std::max(running, prompt_len) * 4,
                   .max_model_len = ctx + 1}, &kv);
  for (int i = 0; i < running; ++i) {
    std::vector<int32_t> p(prompt_len);
    std::iota(p.begin(), p.end(), 1000 * i % 50000);
    (void)sched.Add(SchedRequest::Make(i, p, steps + 1));
  }
  // The KV tensors are not touched: BuildInputs only reads block ids.
  BatchInputs in;
  auto step = [&](bool time_it, double* acc) {
    const auto t0 = Clock::now();
    SchedulerOutput out = sched.Schedule();
    BuildBatchInputs(out, sched, kv, &in);  // what ModelRunner::Execute does before Forward
    std::vector<int32_t> sampled(in.logits_indices.size(), 7);  // no EOS in these configs
    sched.Update(out, sampled);
    if (time_it) *acc += Ms(Clock::now() - t0);
    return out.seqs.size();
  };
  double unused = 0, total_ms = 0;
  // Prefill steps (not timed) until every sequence decodes.
  const int budget = sched.config().max_num_batched_tokens;
  const int warmup = (running * prompt_len + budget - 1) / budget + 2;
  for (int i = 0; i < warmup; ++i) step(false, &unused);
  size_t n_seqs = 0;
  for (int i = 0; i < steps - warmup; ++i) n_seqs = step(true, &total_ms);
  const double per_step = total_ms / std::max(1, steps - warmup);

  // The model's decode step for the same number of sequences, and for one.
  auto decode_ms = [&](int n) {
    // n sequences of prompt_len cached tokens each decoding one token, in blocks of their own.
    const int64_t per_seq = (prompt_len + 1 + bs - 1) / bs;
    ModelRunner runner(model.value().get(), {.block_size = bs, .num_blocks = n * per_seq});
    BatchInputs d;
    d.Begin(static_cast<int32_t>(per_seq));
    std::vector<int32_t> blocks(per_seq);
    for (int s = 0; s < n; ++s) {
      std::iota(blocks.begin(), blocks.end(), static_cast<int32_t>(s * per_seq));
      const int32_t token = 100 + s;
      d.AddSequence({&token, 1}, prompt_len, blocks, bs, /*samples=*/true);
    }
    runner.Logits(d);  // warm-up
    const auto t0 = Clock::now();
    runner.Logits(d);
    return Ms(Clock::now() - t0);
  };
  const double one = decode_ms(1);
  const double many = decode_ms(running);
  std::printf("model: %s (dummy weights), %d running sequences (measured %zu per step)\n",
              model_name.c_str(), running, n_seqs);
  std::printf("| Bookkeeping per step | Decode step (%d seqs) | Ratio | Decode step (1 seq) | Ratio |\n", running);
  std::printf("|---|---|---|---|---|\n");
  std::printf("| %.3f ms | %.1f ms | %.2f%% | %.1f ms | %.1f%% |\n", per_step, many, 100 * per_step / many, one,
              100 * per_step / one);
  return 0;
}

}  // namespace vllm::bench
