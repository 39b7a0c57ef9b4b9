#include "kernels/step_profile.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace vllm {

namespace {

struct State {
  std::array<double, static_cast<int>(StepOp::kCount)> seconds{};
  int64_t forwards = 0, tokens = 0;
};

State& Get() {
  static State s;
  return s;
}

const char* Name(StepOp op) {
  static const char* kNames[] = {"embedding",     "rmsnorm",  "q/k/v proj", "rope",
                                 "kv cache write", "attention", "o proj",    "gate/up proj",
                                 "silu*mul",      "down proj", "residual add", "lm head",
                                 "moe router",    "moe experts", "ssm conv+scan"};
  return kNames[static_cast<int>(op)];
}

}  // namespace

bool StepProfile::Enabled() {
  static const bool on = [] {
    const char* v = std::getenv("VLLM_CPP_PROFILE");
    return v && *v && std::strcmp(v, "0") != 0;
  }();
  return on;
}

void StepProfile::Add(StepOp op, double seconds) { Get().seconds[static_cast<int>(op)] += seconds; }

void StepProfile::CountForward(int64_t tokens) {
  Get().forwards += 1;
  Get().tokens += tokens;
}

void StepProfile::Reset() { Get() = State{}; }

std::string StepProfile::Report() {
  if (!Enabled() || Get().forwards == 0) return "";
  const State& s = Get();
  double total = 0;
  for (double v : s.seconds) total += v;
  std::string out;
  char line[160];
  std::snprintf(line, sizeof(line), "step profile: %lld forwards, %lld tokens\n\n",
                static_cast<long long>(s.forwards), static_cast<long long>(s.tokens));
  out += line;
  out += "| op | total ms | ms / forward | share |\n|---|---|---|---|\n";
  for (int i = 0; i < static_cast<int>(StepOp::kCount); ++i) {
    std::snprintf(line, sizeof(line), "| %s | %.1f | %.3f | %.1f%% |\n", Name(static_cast<StepOp>(i)),
                  s.seconds[i] * 1e3, s.seconds[i] * 1e3 / s.forwards, total > 0 ? 100 * s.seconds[i] / total : 0);
    out += line;
  }
  std::snprintf(line, sizeof(line), "| total | %.1f | %.3f | 100%% |\n", total * 1e3, total * 1e3 / s.forwards);
  out += line;
  return out;
}

}  // namespace vllm
