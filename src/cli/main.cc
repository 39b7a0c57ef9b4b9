// vllm-cpp: one binary, one subcommand per file in src/cli/ (benchmarks: src/bench/).
#include <cstdio>
#include <cstring>
#include <string>

#include "bench/commands.h"
#include "cli/commands.h"
#include "cli/tokenize_cmd.h"

namespace {

struct Command {
  const char* name;
  int (*run)(int, char**);
  const char* help;
};

const Command kCommands[] = {
    {"generate", vllm::cli::RunGenerate, "generate text from a prompt"},
    {"serve", vllm::cli::RunServe, "OpenAI- and Anthropic-compatible HTTP server"},
    {"gguf", vllm::cli::RunGguf, "validate a GGUF file and list its metadata and tensors (--dequant: one tensor to .npy)"},
    {"models", vllm::cli::RunModels, "list the built-in model presets (--cached: the hub models downloaded)"},
    {"pull", vllm::cli::RunPull, "download a hub model ORG/NAME[@REV][:QUANT] into the Hugging Face cache"},
    {"rm", vllm::cli::RunRm, "remove a hub model from the Hugging Face cache"},
    {"tokenize", vllm::cli::RunTokenizeCommand, "encode / decode / chat-render through a tokenizer"},
    {"bench", vllm::bench::RunBench, "single-stream generation benchmark (also installed as vllm-cpp-bench)"},
    {"bench-batching", vllm::bench::RunBenchBatching, "one request vs N concurrent requests (continuous batching)"},
    {"bench-prefix-cache", vllm::bench::RunBenchPrefixCache, "prefix-cache hits and misses, steps 1a-1d"},
    {"bench-paged-cache", vllm::bench::RunBenchPagedCache, "shared system prompt with and without prefix sharing"},
    {"bench-overhead", vllm::bench::RunBenchOverhead, "per-step scheduler bookkeeping vs the decode step"},
    {"bench-serve", vllm::bench::RunBenchServe, "HTTP load generator over the OpenAI streaming API"},
    {"bench-detok", vllm::bench::RunBenchDetok, "streaming vs naive detokenizer benchmark"},
};

void Usage(FILE* f) {
  std::fprintf(f, "usage: vllm-cpp <command> [options]\n\ncommands:\n");
  for (const auto& c : kCommands) std::fprintf(f, "  %-18s %s\n", c.name, c.help);
  std::fprintf(f, "\n`vllm-cpp <command> --help` for a command's options.\n");
}

}  // namespace

int main(int argc, char** argv) {
  // Installed under a second name (a symlink made by the build): `vllm-cpp-bench --model M`
  // is `vllm-cpp bench --model M`, so the seed's `vllm-mlx-bench` command line carries over.
  if (argc >= 1) {
    const char* base = std::strrchr(argv[0], '/');
    base = base ? base + 1 : argv[0];
    if (!std::strcmp(base, "vllm-cpp-bench")) return vllm::bench::RunBench(argc, argv);
  }
  if (argc < 2) {
    Usage(stderr);
    return 2;
  }
  if (!std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
    Usage(stdout);
    return 0;
  }
  for (const auto& c : kCommands)
    if (!std::strcmp(argv[1], c.name)) return c.run(argc - 1, argv + 1);
  std::fprintf(stderr, "vllm-cpp: unknown command '%s'\n\n", argv[1]);
  Usage(stderr);
  return 2;
}
