#include "cli/tokenize_cmd.h"

#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>

#include <nlohmann/json.hpp>

#include "tokenizer/tokenizer.h"

namespace vllm::cli {
namespace {

constexpr const char* kUsage =
    "usage: vllm-cpp tokenize DIR [options]\n"
    "  Encode: stdin is a JSON array of strings, stdout a JSON array of id arrays.\n"
    "  --decode                 stdin is a JSON array of id arrays, stdout an array of strings\n"
    "  --no-add-special-tokens  do not run the post-processor (no BOS/EOS template)\n"
    "  --no-parse-special       treat special-token text in the input as plain text\n"
    "  --skip-special-tokens    (decode) drop special tokens from the text\n";

struct Options {
  std::string dir;
  bool decode = false;
  bool add_special_tokens = true;
  bool parse_special = true;
  bool skip_special_tokens = false;
};

bool ParseArgs(int argc, char** argv, Options* options) {
  for (int k = 1; k < argc; ++k) {
    const std::string arg = argv[k];
    if (arg == "--decode") {
      options->decode = true;
    } else if (arg == "--no-add-special-tokens") {
      options->add_special_tokens = false;
    } else if (arg == "--no-parse-special" || arg == "--no-special") {
      options->parse_special = false;
    } else if (arg == "--skip-special-tokens") {
      options->skip_special_tokens = true;
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

}  // namespace

int RunTokenizeCommand(int argc, char** argv) {
  Options options;
  if (!ParseArgs(argc, argv, &options)) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  auto tokenizer = Tokenizer::FromDirectory(options.dir);
  if (!tokenizer.ok()) {
    std::fprintf(stderr, "tokenize: %s\n", tokenizer.status().message().c_str());
    return 1;
  }
  const std::string input((std::istreambuf_iterator<char>(std::cin)),
                          std::istreambuf_iterator<char>());
  auto request = nlohmann::json::parse(input, nullptr, /*allow_exceptions=*/false);
  if (request.is_discarded() || !request.is_array()) {
    std::fprintf(stderr, "tokenize: stdin must be a JSON array\n");
    return 1;
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
      response.push_back((*tokenizer)->Decode(ids, options.skip_special_tokens));
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
