#include "kernels/cpu/dispatch.h"

#include <atomic>
#include <cstdlib>

#include "util/check.h"

namespace vllm::cpu {

namespace {

// Best() takes the last supported f32-exact entry, so each architecture's best target comes last
// among its own.
constexpr SimdTarget kAllTargets[] = {SimdTarget::kScalar, SimdTarget::kAvx2, SimdTarget::kAvx512,
                                      SimdTarget::kAvx512Vnni, SimdTarget::kAvx512VnniInt8, SimdTarget::kNeon};

bool Supports(SimdTarget t) {
  switch (t) {
    case SimdTarget::kScalar:
      return true;
#if defined(__x86_64__) || defined(__i386__)
    case SimdTarget::kAvx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
             __builtin_cpu_supports("f16c");
    case SimdTarget::kAvx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
             Supports(SimdTarget::kAvx2);
    case SimdTarget::kAvx512Vnni:
    case SimdTarget::kAvx512VnniInt8:
      return __builtin_cpu_supports("avx512vnni") && Supports(SimdTarget::kAvx512);
#endif
#if defined(__aarch64__)
    case SimdTarget::kNeon:
      return true;  // part of the AArch64 baseline
#endif
    default:
      return false;
  }
}

SimdTarget Best() {
  // The best f32-exact target. avx512vnni rounds activations to 16 bits in the prefill GEMM,
  // which moves logits by up to ~1e-3 relative on the conformance models (over mlx-lm's
  // f32 tolerance, and enough to flip greedy near-ties), so it is opt-in only; so is
  // avx512vnni-int8 (int8 activations, ~10x that error).
  SimdTarget best = SimdTarget::kScalar;
  for (SimdTarget t : SupportedSimdTargets())
    if (t != SimdTarget::kAvx512Vnni && t != SimdTarget::kAvx512VnniInt8) best = t;
  if (const char* env = std::getenv("VLLM_CPP_SIMD")) {
    SimdTarget forced;
    CHECK(ParseSimdTarget(env, &forced))
        << "VLLM_CPP_SIMD=" << env << ": expected scalar, avx2, avx512, avx512vnni, avx512vnni-int8 or neon";
    CHECK(Supports(forced)) << "VLLM_CPP_SIMD=" << env << ": this CPU does not support it";
    best = forced;
  }
  return best;
}

std::atomic<int>& Active() {
  static std::atomic<int> active{static_cast<int>(Best())};
  return active;
}

}  // namespace

std::vector<SimdTarget> SupportedSimdTargets() {
  std::vector<SimdTarget> out;
  for (SimdTarget t : kAllTargets)
    if (Supports(t)) out.push_back(t);
  return out;
}

SimdTarget ActiveSimdTarget() { return static_cast<SimdTarget>(Active().load(std::memory_order_relaxed)); }

void SetSimdTarget(SimdTarget t) {
  CHECK(Supports(t)) << "SIMD target " << SimdTargetName(t) << " not supported by this CPU";
  Active().store(static_cast<int>(t), std::memory_order_relaxed);
}

namespace {

std::atomic<bool>& GgufInt8() {
  static std::atomic<bool> on{[] {
    const char* env = std::getenv("VLLM_CPP_GGUF_ACTIVATIONS");
    if (env == nullptr) return true;
    const std::string_view v(env);
    CHECK(v == "int8" || v == "f32") << "VLLM_CPP_GGUF_ACTIVATIONS=" << env << ": expected int8 or f32";
    return v == "int8";
  }()};
  return on;
}

}  // namespace

bool GgufInt8Target(SimdTarget t) {
  return t == SimdTarget::kAvx2 || t == SimdTarget::kAvx512 || t == SimdTarget::kAvx512Vnni ||
         t == SimdTarget::kAvx512VnniInt8;
}

bool GgufInt8Activations() { return GgufInt8().load(std::memory_order_relaxed); }
void SetGgufInt8Activations(bool on) { GgufInt8().store(on, std::memory_order_relaxed); }

std::string_view SimdTargetName(SimdTarget t) {
  switch (t) {
    case SimdTarget::kScalar: return "scalar";
    case SimdTarget::kAvx2: return "avx2";
    case SimdTarget::kAvx512: return "avx512";
    case SimdTarget::kAvx512Vnni: return "avx512vnni";
    case SimdTarget::kAvx512VnniInt8: return "avx512vnni-int8";
    case SimdTarget::kNeon: return "neon";
  }
  return "unknown";
}

bool ParseSimdTarget(std::string_view name, SimdTarget* out) {
  for (SimdTarget t : kAllTargets)
    if (name == SimdTargetName(t)) {
      *out = t;
      return true;
    }
  return false;
}

}  // namespace vllm::cpu
