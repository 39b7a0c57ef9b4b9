// Runtime choice of the SIMD code path (issue #7): one boundary where the CPU's features are
// read, so a portable build (VLLM_CPP_NATIVE=OFF) still runs AVX-512 kernels where they exist
// and every kernel keeps a scalar path that any CPU can run.
#pragma once

#include <string_view>
#include <vector>

namespace vllm::cpu {

// Ordered within an architecture: a higher x86 target may use everything a lower one does.
enum class SimdTarget {
  kScalar = 0,  // portable C++ (auto-vectorised by the compiler for the build's -march)
  kAvx2 = 1,    // AVX2 + FMA + F16C
  kAvx512 = 2,  // AVX-512 F/BW/VL/DQ
  // + VNNI: prefill / batch GEMM on 16-bit activations (matmul_vnni_impl.h). Faster but not
  // f32-exact, so never chosen automatically: VLLM_CPP_SIMD=avx512vnni opts in.
  kAvx512Vnni = 3,
  // + int8 activations for 8-bit and 4-bit affine weights at every m (matmul_int8_impl.h):
  // llama.cpp's precision class, 1.5-2x the f32 rate on 4-bit weights. ~256x avx512vnni's
  // error (~0.1 relative logits on the random-weight conformance models, which amplify
  // activation rounding). Opt-in: VLLM_CPP_SIMD=avx512vnni-int8.
  kAvx512VnniInt8 = 4,
  // AArch64 Advanced SIMD (baseline there, so always supported and the default on AArch64).
  kNeon = 5,
};

// What this CPU supports, best first order irrelevant; always contains kScalar.
std::vector<SimdTarget> SupportedSimdTargets();

// The target kernels use: the best supported f32-exact one (not avx512vnni*), or the one forced
// by SetSimdTarget or the VLLM_CPP_SIMD environment variable
// (scalar|avx2|avx512|avx512vnni|avx512vnni-int8|neon; for tests and A/B benchmarks).
SimdTarget ActiveSimdTarget();

// Forces a target (must be supported). Not thread-safe against running kernels: call between
// steps (tests, benchmarks).
void SetSimdTarget(SimdTarget t);

// GGUF Q8_0 and Q4_K weights on int8 activations (matmul_gguf_int8_impl.h: x quantized per 32
// values, integer dot products; llama.cpp's precision class) on the x86 SIMD targets, at every
// token count, so a row's result does not depend on the batch. On by default: its error
// against the f32 reference is measured below llama.cpp's (docs/PERFORMANCE.md, "Precision
// policy"). VLLM_CPP_GGUF_ACTIVATIONS=f32 or SetGgufInt8Activations(false) selects the exact
// f32-activation kernels (the scalar and NEON targets always use those).
bool GgufInt8Activations();
bool GgufInt8Target(SimdTarget t);  // whether t has those kernels (the x86 SIMD targets)
void SetGgufInt8Activations(bool on);  // between steps, as SetSimdTarget

std::string_view SimdTargetName(SimdTarget t);
bool ParseSimdTarget(std::string_view name, SimdTarget* out);

}  // namespace vllm::cpu
