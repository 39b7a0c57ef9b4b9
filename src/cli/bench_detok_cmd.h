// `vllm-cpp bench-detok [DIR] [--iterations N]`: the streaming-detokenizer table of the
// seed report (naive per-token decode vs IncrementalDetokenizer), plus the O(T^2)
// decode-the-prefix variant, detokenizer creation cost and a correctness check.
#pragma once

namespace vllm::cli {

// argv[0] is the subcommand name ("bench-detok"); the full argv
// ({"vllm-cpp", "bench-detok", ...}) is accepted too.
int RunBenchDetokCommand(int argc, char** argv);

}  // namespace vllm::cli
