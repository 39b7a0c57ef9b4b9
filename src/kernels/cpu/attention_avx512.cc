// The Avx512 instantiation of attention_impl.h (compiled with the matching -m flags, see CMakeLists).
#include "kernels/cpu/attention_impl.h"
#include "kernels/cpu/attention_targets.h"
#include "kernels/cpu/simd_avx512.h"

namespace vllm::cpu {

bool PagedAttentionAvx512(const float* q, KvLayer cache, const BatchInputs& in, const AttentionShape& s, float* out,
                      ThreadPool& pool) {
  return simd::PagedAttention<Avx512>(q, cache, in, s, out, pool);
}

}  // namespace vllm::cpu
