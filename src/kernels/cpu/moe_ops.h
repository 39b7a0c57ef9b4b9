// The CPU mixture-of-experts kernels (kernels/moe.h has the math; CpuBackend calls these).
#pragma once

#include <cstdint>

#include "kernels/moe.h"
#include "util/thread_pool.h"

namespace vllm::cpu {

// logits [T, E] -> ids [T, k], weights [T, k] (RouterParams says how). f32, exact exp.
void RouterTopK(const float* logits, int64_t num_tokens, const RouterParams& p, int32_t* ids,
                float* weights);

// out[T, H] = sum_j weights[t, j] * expert_{ids[t, j]}(x_t) (+ shared(x_t)).
// The (token, slot) pairs are bucketed by expert (counting sort, tokens ascending within an
// expert); each used expert's rows of x are gathered into one contiguous block, then every
// expert's gate+up (and the shared expert's) run as ONE MatMulGrouped pass over the pool, the
// activation over all pairs at once, every down projection as a second pass, and each token
// sums its k results in slot order (so a token's bits do not depend on the order of the
// buckets). Decode (T = 1) is thus k GEMVs split as one job list over all threads instead of
// k calls whose 768 rows could not feed the pool alone; prefill reads each distinct expert once
// per 1024-token slice (the slice bounds the scratch, moe.cc says how).
void MoeExperts(const MoeWeights& w, const float* x, int64_t num_tokens, int64_t top_k,
                const int32_t* ids, const float* weights, float* out, ThreadPool& pool);

// out = max(x, 0)^2 elementwise over n values (in place allowed).
void Relu2(const float* x, int64_t n, float* out);

}  // namespace vllm::cpu
