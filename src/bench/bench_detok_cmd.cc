#include "bench/commands.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "model/model_source.h"
#include "model/presets.h"
#include "tokenizer/incremental_detokenizer.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/load_tokenizer.h"

namespace vllm::bench {
namespace {

// Built-in English text, repeated to reach the longest sequence; the token counts below
// are the seed report's.
constexpr const char* kText =
    "The history of computing is a story of people who refused to accept that a machine "
    "could only do one thing. Early calculators were built from gears and levers, and each "
    "new problem meant building a new device. When engineers learned to store instructions "
    "in the same memory as data, a single machine could suddenly run any program that fit. "
    "That idea, simple to state and hard to build, shaped every computer that followed.\n\n"
    "Language models are a recent chapter of the same story. A model reads text as a "
    "sequence of tokens, small pieces of words chosen so that common words take one token "
    "and rare words take several. Turning tokens back into text sounds trivial, but it is "
    "not: a single character such as an emoji or a Chinese ideograph may be split across "
    "two or three tokens, and printing half of it produces garbage on the screen. A "
    "streaming detokenizer therefore keeps a little state for every request. It remembers "
    "bytes that do not yet form a complete character, and it releases text only when the "
    "character is finished.\n\n"
    "Servers that answer many users at once care about every microsecond spent outside the "
    "model. If the server decodes the whole answer again after each new token, the work "
    "grows with the square of the answer length, and a long reply slows down the replies "
    "of everyone else. Doing a constant amount of work per token keeps the cost flat, no "
    "matter how long the answer becomes. The same reasoning applies to stop strings, to "
    "logging, and to the small bookkeeping tasks that surround each step of generation.\n\n";

struct Case {
  const char* name;
  size_t num_tokens;
};
constexpr Case kCases[] = {{"Short", 8},   {"Medium", 103}, {"Long", 511},
                           {"1K", 1191},   {"2K", 2381},    {"4K", 4761}};

using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point t_start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t_start).count();
}

// Keeps the optimizer from deleting work whose result is otherwise unused.
volatile size_t g_sink = 0;

// Median over iterations of one run of `body`: robust to the other processes that share
// a development machine.
template <typename Body>
double MedianMs(int iterations, Body body) {
  std::vector<double> ms;
  for (int it = 0; it < iterations; ++it) {
    const auto t_start = Clock::now();
    body();
    ms.push_back(MsSince(t_start));
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

// The seed's "naive" column: decode([token]) for each token.
double TimeNaive(const Tokenizer& t, const std::vector<int32_t>& ids, int iterations) {
  return MedianMs(iterations, [&] {
    for (int32_t id : ids) g_sink = g_sink + t.Decode(std::span<const int32_t>(&id, 1)).size();
  });
}

// Decode the whole prefix after every token and emit the growth: O(T^2).
double TimePrefix(const Tokenizer& t, const std::vector<int32_t>& ids, int iterations) {
  return MedianMs(iterations, [&] {
    for (size_t n = 1; n <= ids.size(); ++n) {
      g_sink = g_sink + t.Decode(std::span<const int32_t>(ids.data(), n)).size();
    }
  });
}

double TimeStreaming(const Tokenizer& t, const std::vector<int32_t>& ids, int iterations) {
  return MedianMs(iterations, [&] {
    IncrementalDetokenizer detok(t);  // creation included, as a server pays it per request
    size_t n = 0;
    for (int32_t id : ids) n += detok.Add(id).size();
    g_sink = g_sink + n + detok.Flush().size();
  });
}

std::string StreamAll(const Tokenizer& t, const std::vector<int32_t>& ids) {
  IncrementalDetokenizer detok(t);
  std::string text;
  for (int32_t id : ids) text += detok.Add(id);
  return text + detok.Flush();
}

}  // namespace

int RunBenchDetok(int argc, char** argv) {
  std::string dir = "mlx-community/Qwen3-0.6B-8bit";  // a preset name or a directory
  int iterations = 21;
  // Accept both argv conventions: {"bench-detok", ...} and {"vllm-cpp", "bench-detok", ...}.
  const int first = argc > 1 && std::string(argv[1]) == "bench-detok" ? 2 : 1;
  for (int k = first; k < argc; ++k) {
    const std::string arg = argv[k];
    if (arg == "--iterations" && k + 1 < argc) {
      iterations = std::atoi(argv[++k]);
    } else if (arg.rfind("--iterations=", 0) == 0) {
      iterations = std::atoi(arg.c_str() + 13);
    } else if (!arg.empty() && arg[0] != '-') {
      dir = arg;
    } else {
      std::fprintf(stderr, "usage: vllm-cpp bench-detok [MODEL_OR_DIR] [--iterations N]\n");
      return 2;
    }
  }
  if (iterations < 1) {
    std::fprintf(stderr, "bench-detok: --iterations must be >= 1\n");
    return 2;
  }
  auto resolved = ResolveTokenizerSource(dir, {});
  auto loaded = resolved.ok() ? LoadTokenizer(resolved.value()) : resolved.status();
  if (!loaded.ok()) {
    std::fprintf(stderr, "bench-detok: %s\n", loaded.status().message().c_str());
    return 1;
  }
  const Tokenizer& t = **loaded;

  std::vector<int32_t> all_ids;
  while (all_ids.size() < kCases[std::size(kCases) - 1].num_tokens) {
    auto ids = t.Encode(kText, /*add_special_tokens=*/false);
    if (!ids.ok() || ids->empty()) {
      std::fprintf(stderr, "bench-detok: cannot encode the built-in text\n");
      return 1;
    }
    all_ids.insert(all_ids.end(), ids->begin(), ids->end());
  }

  std::printf("Streaming detokenizer, %s; median of %d iterations per cell\n\n", dir.c_str(),
              iterations);
  std::printf("| Sequence | Tokens | decode() | Streaming | Speedup |\n");
  std::printf("|----------|--------|----------|-----------|---------|\n");
  std::vector<double> prefix_ms, stream_ms;
  double sum_speedup = 0;
  int num_correct = 0;
  for (const Case& c : kCases) {
    const std::vector<int32_t> ids(all_ids.begin(), all_ids.begin() + c.num_tokens);
    const double naive = TimeNaive(t, ids, iterations);
    const double stream = TimeStreaming(t, ids, iterations);
    stream_ms.push_back(stream);
    sum_speedup += naive / stream;
    std::printf("| %s | %zu | %.4fms | %.4fms | %.2fx |\n", c.name, c.num_tokens, naive, stream,
                naive / stream);
    num_correct += StreamAll(t, ids) == t.Decode(ids);
  }
  std::printf("\nAverage speedup: %.2fx\n", sum_speedup / std::size(kCases));

  // The quadratic variant takes seconds at 4K tokens; a few iterations suffice.
  const int prefix_iterations = std::min(iterations, 3);
  std::printf("\nO(T^2) variant: decode(ids[:n]) after every token (median of %d)\n\n",
              prefix_iterations);
  std::printf("| Sequence | Tokens | decode(prefix) | Streaming | Speedup |\n");
  std::printf("|----------|--------|----------------|-----------|---------|\n");
  for (size_t k = 0; k < std::size(kCases); ++k) {
    const std::vector<int32_t> ids(all_ids.begin(), all_ids.begin() + kCases[k].num_tokens);
    const double prefix = TimePrefix(t, ids, prefix_iterations);
    std::printf("| %s | %zu | %.3fms | %.4fms | %.0fx |\n", kCases[k].name, kCases[k].num_tokens,
                prefix, stream_ms[k], prefix / stream_ms[k]);
  }

  // Creation cost: a fresh detokenizer per request, with and without prompt context.
  constexpr int kCreations = 100000;
  auto t_start = Clock::now();
  for (int k = 0; k < kCreations; ++k) {
    IncrementalDetokenizer detok(t);
    g_sink = g_sink + detok.num_tokens();
  }
  const double create_us = MsSince(t_start) * 1000.0 / kCreations;
  const std::vector<int32_t> prompt(all_ids.begin(), all_ids.begin() + 512);
  t_start = Clock::now();
  for (int k = 0; k < kCreations; ++k) {
    IncrementalDetokenizer detok(t, prompt);
    g_sink = g_sink + detok.num_tokens();
  }
  const double create_prompt_us = MsSince(t_start) * 1000.0 / kCreations;
  std::printf("\nInstance creation: %.3f us (no prompt), %.3f us (512-token prompt); "
              "mean of %d\n",
              create_us, create_prompt_us, kCreations);
  std::printf("Correctness: streamed text == decode(all ids) for %d/%zu sequences\n",
              num_correct, std::size(kCases));
  return num_correct == static_cast<int>(std::size(kCases)) ? 0 : 1;
}

}  // namespace vllm::bench
