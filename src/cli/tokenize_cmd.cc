#include "cli/tokenize_cmd.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include <nlohmann/json.hpp>

#include "chat_template/conversation.h"
#include "model/model_source.h"
#include "model/presets.h"
#include "tokenizer/incremental_detokenizer.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/load_tokenizer.h"

namespace vllm::cli {
namespace {

constexpr const char* kUsage =
    "usage: vllm-cpp tokenize MODEL_OR_DIR [options]  (a preset name or a tokenizer directory)\n"
    "  Encode: stdin is a JSON array of strings, stdout a JSON array of id arrays.\n"
    "  --decode                 stdin is a JSON array of id arrays, stdout an array of strings\n"
    "  --no-add-special-tokens  do not run the post-processor (no BOS/EOS template)\n"
    "  --no-parse-special       treat special-token text in the input as plain text\n"
    "  --skip-special-tokens    (decode) drop special tokens from the text\n"
    "  --stream                 (decode) per sequence, the text deltas IncrementalDetokenizer\n"
    "                           gives after each id, then its flush: JSON array of arrays\n"
    "  --chat FILE.json         render a conversation ({\"messages\": [...], \"tools\",\n"
    "                           \"add_generation_prompt\", \"chat_template_kwargs\"}) through the\n"
    "                           chat template; prints {\"prompt\": text, \"ids\": token ids}\n"
    "  --bench N                encode the inputs N times on one thread; print\n"
    "                           {\"seconds\": best pass, \"bytes\", \"tokens\"} instead of ids\n";

struct Options {
  std::string dir;
  bool decode = false;
  bool add_special_tokens = true;
  bool parse_special = true;
  bool skip_special_tokens = false;
  bool stream = false;
  int bench_passes = 0;
  std::string chat_file;
};

bool ParseArgs(int argc, char** argv, Options* options) {
  // Accept both argv conventions: {"tokenize", ...} and {"vllm-cpp", "tokenize", ...}.
  const int first = argc > 1 && std::string(argv[1]) == "tokenize" ? 2 : 1;
  for (int k = first; k < argc; ++k) {
    const std::string arg = argv[k];
    if (arg == "--decode") {
      options->decode = true;
    } else if (arg == "--no-add-special-tokens") {
      options->add_special_tokens = false;
    } else if (arg == "--no-parse-special" || arg == "--no-special") {
      options->parse_special = false;
    } else if (arg == "--skip-special-tokens") {
      options->skip_special_tokens = true;
    } else if (arg == "--stream") {
      options->stream = true;
    } else if (arg == "--chat" && k + 1 < argc) {
      options->chat_file = argv[++k];
    } else if (arg == "--bench" && k + 1 < argc) {
      options->bench_passes = std::atoi(argv[++k]);
      if (options->bench_passes < 1) return false;
    } else if (arg == "-h" || arg == "--help") {
      return false;
    } else if (!arg.empty() && arg[0] == '-') {
      std::fprintf(stderr, "tokenize: unknown option '%s'\n", arg.c_str());
      return false;
    } else if (options->dir.empty()) {
      options->dir = arg;
    } else {
      std::fprintf(stderr, "tokenize: unexpected argument '%s'\n", arg.c_str());
      return false;
    }
  }
  return !options->dir.empty();
}

// Single-thread encode throughput, for tests/conformance/bench_tokenizer_encode.py. The
// best of N passes is reported; the word cache warms in the first pass, as HF's does.
int RunEncodeBench(const Tokenizer& tokenizer, const nlohmann::json& request,
                   const Options& options) {
  std::vector<std::string> texts;
  size_t num_bytes = 0;
  for (const auto& item : request) {
    if (!item.is_string()) {
      std::fprintf(stderr, "tokenize: --bench needs a JSON array of strings\n");
      return 1;
    }
    texts.push_back(item.get<std::string>());
    num_bytes += texts.back().size();
  }
  double best_seconds = 1e30;
  size_t num_tokens = 0;
  for (int pass = 0; pass < options.bench_passes; ++pass) {
    num_tokens = 0;
    const auto t_start = std::chrono::steady_clock::now();
    for (const std::string& text : texts) {
      auto ids = tokenizer.Encode(text, options.add_special_tokens, options.parse_special);
      if (!ids.ok()) {
        std::fprintf(stderr, "tokenize: %s\n", ids.status().message().c_str());
        return 1;
      }
      num_tokens += ids->size();
    }
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - t_start;
    best_seconds = std::min(best_seconds, elapsed.count());
  }
  nlohmann::json report = {{"seconds", best_seconds}, {"bytes", num_bytes}, {"tokens", num_tokens}};
  std::cout << report.dump() << "\n";
  return 0;
}

int RunChat(const Tokenizer& tokenizer, const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "tokenize: cannot read %s\n", path.c_str());
    return 1;
  }
  auto j = nlohmann::ordered_json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    std::fprintf(stderr, "tokenize: %s is not valid JSON\n", path.c_str());
    return 1;
  }
  auto conv = ParseConversation(j);
  Result<std::string> text = conv.ok() ? RenderConversation(tokenizer, conv.value()) : conv.status();
  if (!text.ok()) {
    std::fprintf(stderr, "tokenize: %s: %s\n", path.c_str(), text.status().message().c_str());
    return 1;
  }
  // The rendered template already holds its special tokens: encode without adding more.
  auto ids = tokenizer.Encode(text.value(), /*add_special_tokens=*/false, /*parse_special=*/true);
  if (!ids.ok()) {
    std::fprintf(stderr, "tokenize: %s\n", ids.status().message().c_str());
    return 1;
  }
  nlohmann::ordered_json out = {{"prompt", text.value()}, {"ids", ids.value()}};
  std::cout << out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  return 0;
}

}  // namespace

int RunTokenizeCommand(int argc, char** argv) {
  Options options;
  if (!ParseArgs(argc, argv, &options)) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  auto dir = ResolveTokenizerSource(options.dir, {});
  auto tokenizer = dir.ok() ? LoadTokenizer(dir.value()) : dir.status();
  if (!tokenizer.ok()) {
    std::fprintf(stderr, "tokenize: %s\n", tokenizer.status().message().c_str());
    return 1;
  }
  if (!options.chat_file.empty()) return RunChat(**tokenizer, options.chat_file);
  const std::string input((std::istreambuf_iterator<char>(std::cin)),
                          std::istreambuf_iterator<char>());
  auto request = nlohmann::json::parse(input, nullptr, /*allow_exceptions=*/false);
  if (request.is_discarded() || !request.is_array()) {
    std::fprintf(stderr, "tokenize: stdin must be a JSON array\n");
    return 1;
  }
  if (options.bench_passes > 0 && !options.decode) {
    return RunEncodeBench(**tokenizer, request, options);
  }
  nlohmann::json response = nlohmann::json::array();
  for (size_t k = 0; k < request.size(); ++k) {
    const auto& item = request[k];
    if (options.decode) {
      if (!item.is_array()) {
        std::fprintf(stderr, "tokenize: item %zu is not an id array\n", k);
        return 1;
      }
      std::vector<int32_t> ids;
      for (const auto& id : item) {
        if (!id.is_number_integer()) {
          std::fprintf(stderr, "tokenize: item %zu holds a non-integer id\n", k);
          return 1;
        }
        ids.push_back(id.get<int32_t>());
      }
      if (options.stream) {
        IncrementalDetokenizer detok(**tokenizer, {}, options.skip_special_tokens);
        nlohmann::json deltas = nlohmann::json::array();
        for (int32_t id : ids) deltas.push_back(detok.Add(id));
        deltas.push_back(detok.Flush());
        response.push_back(std::move(deltas));
      } else {
        response.push_back((*tokenizer)->Decode(ids, options.skip_special_tokens));
      }
      continue;
    }
    if (!item.is_string()) {
      std::fprintf(stderr, "tokenize: item %zu is not a string\n", k);
      return 1;
    }
    auto ids = (*tokenizer)->Encode(item.get_ref<const std::string&>(),
                                    options.add_special_tokens, options.parse_special);
    if (!ids.ok()) {
      std::fprintf(stderr, "tokenize: item %zu: %s\n", k, ids.status().message().c_str());
      return 1;
    }
    response.push_back(*ids);
  }
  std::cout << response.dump(-1, ' ', /*ensure_ascii=*/false,
                             nlohmann::json::error_handler_t::replace)
            << "\n";
  return 0;
}

}  // namespace vllm::cli
