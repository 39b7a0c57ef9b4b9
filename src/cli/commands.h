// One function per subcommand; main.cc dispatches on argv[1]. Each returns the exit code.
#pragma once

namespace vllm::cli {

int RunGenerate(int argc, char** argv);
int RunGguf(int argc, char** argv);
int RunModels(int argc, char** argv);
int RunPull(int argc, char** argv);
int RunRm(int argc, char** argv);
int RunServe(int argc, char** argv);

}  // namespace vllm::cli
