// The Avx2 instantiation of attention_impl.h (compiled with the matching -m flags, see CMakeLists).
#include "kernels/cpu/attention_impl.h"
#include "kernels/cpu/attention_targets.h"
#include "kernels/cpu/simd_avx2.h"

namespace vllm::cpu {

bool PagedAttentionAvx2(const float* q, KvLayer cache, const BatchInputs& in, const AttentionShape& s, float* out,
                      ThreadPool& pool) {
  return simd::PagedAttention<Avx2>(q, cache, in, s, out, pool);
}

}  // namespace vllm::cpu
