// The Avx2 instantiation of attention_impl.h. The shared headers come first, for the baseline
// ISA (simd_prelude.h says why); the kernels after the target pragma.
#include "kernels/cpu/simd_prelude.h"
#include "kernels/cpu/attention_targets.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")
#include "kernels/cpu/attention_impl.h"
#include "kernels/cpu/simd_avx2.h"

namespace vllm::cpu {

bool PagedAttentionAvx2(const float* q, KvLayer cache, const BatchView& in, const AttentionShape& s, float* out,
                      ThreadPool& pool) {
  return simd::PagedAttention<Avx2>(q, cache, in, s, out, pool);
}

}  // namespace vllm::cpu
#pragma GCC pop_options
