// The Neon instantiation of attention_impl.h. Built only for AArch64, where NEON is baseline
// (no target pragma; see matmul_neon.cc).
#include "kernels/cpu/attention_impl.h"
#include "kernels/cpu/attention_targets.h"
#include "kernels/cpu/simd_neon.h"

namespace vllm::cpu {

bool PagedAttentionNeon(const float* q, KvLayer cache, const BatchView& in, const AttentionShape& s, float* out,
                        ThreadPool& pool) {
  return simd::PagedAttention<Neon>(q, cache, in, s, out, pool);
}

}  // namespace vllm::cpu
