// vllm-cpp: one binary, one subcommand per file in src/cli/.
#include <cstdio>
#include <cstring>
#include <string>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: vllm-cpp <generate|models|tokenize|...> [options]\n");
    return 2;
  }
  std::fprintf(stderr, "vllm-cpp: unknown command '%s'\n", argv[1]);
  return 2;
}
