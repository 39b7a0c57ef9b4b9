// Paged attention per SIMD target (dispatch.h). Each returns false when the shape needs the
// scalar kernel in attention.cc, which cpu::PagedAttention then runs.
#pragma once

#include "kernels/cpu/cpu_ops.h"

namespace vllm::cpu {

#if defined(__x86_64__)
bool PagedAttentionAvx2(const float* q, KvLayer cache, const BatchView& in, const AttentionShape& s, float* out,
                        ThreadPool& pool);
bool PagedAttentionAvx512(const float* q, KvLayer cache, const BatchView& in, const AttentionShape& s, float* out,
                          ThreadPool& pool);
#endif
#if defined(__aarch64__)
bool PagedAttentionNeon(const float* q, KvLayer cache, const BatchView& in, const AttentionShape& s, float* out,
                        ThreadPool& pool);
#endif

}  // namespace vllm::cpu
