// Per-operation time breakdown of the forward pass (issue #7: "time breakdown per step").
// Off unless VLLM_CPP_PROFILE=1; then the backend times every op class of each forward
// (Backend::ProfileBegin/End: wall clock on the CPU, where ops are synchronous; device events
// on a GPU) and `vllm-cpp generate` prints the table. The forward runs on one thread, so
// plain counters.
#pragma once

#include <cstdint>
#include <string>

namespace vllm {

enum class StepOp : int {
  kEmbed, kNorm, kQkv, kRope, kKvWrite, kAttention, kOProj, kGateUp, kSiluMul, kDown, kResidual,
  kLmHead, kMoeRouter, kMoeExperts, kSsm, kCount  // kSsm: Mamba2 conv + scan
};

class StepProfile {
 public:
  static bool Enabled();
  static void Add(StepOp op, double seconds);
  static void CountForward(int64_t tokens);
  // Markdown table: op, total ms, ms per forward, share. Empty when disabled.
  static std::string Report();
  static void Reset();
};

}  // namespace vllm
