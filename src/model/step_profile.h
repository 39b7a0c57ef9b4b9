// Per-operation time breakdown of the forward pass (issue #7: "time breakdown per step").
// Off unless VLLM_CPP_PROFILE=1; then every forward adds wall time per operation class and
// `vllm-cpp generate` prints the table. The forward runs on one thread, so plain counters.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace vllm {

enum class StepOp : int {
  kEmbed, kNorm, kQkv, kRope, kKvWrite, kAttention, kOProj, kGateUp, kSiluMul, kDown, kResidual,
  kLmHead, kCount
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

// Times its scope into `op` when profiling is on; a no-op branch otherwise.
class ScopedStepOp {
 public:
  explicit ScopedStepOp(StepOp op) : op_(op), on_(StepProfile::Enabled()) {
    if (on_) start_ = std::chrono::steady_clock::now();
  }
  ~ScopedStepOp() {
    if (on_) StepProfile::Add(op_, std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  }
  ScopedStepOp(const ScopedStepOp&) = delete;
  ScopedStepOp& operator=(const ScopedStepOp&) = delete;

 private:
  StepOp op_;
  bool on_;
  std::chrono::steady_clock::time_point start_;
};

// Runs f, timed into op when profiling is on.
template <typename F>
inline void Timed(StepOp op, F&& f) {
  ScopedStepOp scope(op);
  f();
}

}  // namespace vllm
