// `vllm-cpp tokenize DIR [--decode [--stream]] [--no-add-special-tokens] [--no-parse-special]
//  [--skip-special-tokens] [--bench N]`: batch encode/decode over stdin/stdout JSON, the interface the
// parity tests drive (tests/conformance/test_tokenizer_parity.py).
#pragma once

namespace vllm::cli {

// argv[0] is the subcommand name ("tokenize"); options and DIR follow. The full argv
// ({"vllm-cpp", "tokenize", ...}) is accepted too.
int RunTokenizeCommand(int argc, char** argv);

}  // namespace vllm::cli
