// The benchmark subcommands, one function each (one file each in this folder); cli/main.cc
// dispatches to them. Each returns the exit code.
#pragma once

namespace vllm::bench {

int RunBench(int argc, char** argv);
int RunBenchBatching(int argc, char** argv);
int RunBenchPrefixCache(int argc, char** argv);
int RunBenchPagedCache(int argc, char** argv);
int RunBenchOverhead(int argc, char** argv);
int RunBenchServe(int argc, char** argv);
// argv[0] is the subcommand name ("bench-detok"); the full argv
// ({"vllm-cpp", "bench-detok", ...}) is accepted too.
int RunBenchDetok(int argc, char** argv);

}  // namespace vllm::bench
