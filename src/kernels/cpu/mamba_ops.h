// The CPU state-space (Mamba2) kernels; backend.h documents each one's math, kernels/mamba.h
// the state layout. Sequences are independent: the conv parallelises over (sequence,
// channel block), the scan over (sequence, head), each keeping its state slice in registers /
// L1-L2 across the chunk's tokens (a head's S is P*N floats: 32 KiB at Nemotron-Nano's 64x128).
#pragma once

#include <cstdint>

#include "kernels/batch_view.h"
#include "kernels/mamba.h"
#include "util/thread_pool.h"

namespace vllm::cpu {

void CausalConv1d(const float* xbc, int64_t x_stride, const BatchView& batch, const MambaShape& shape,
                  const MambaParams& p, MambaState state, float* out, ThreadPool& pool);

void SsmScan(const float* u, const float* dt_raw, int64_t dt_stride, const BatchView& batch,
             const MambaShape& shape, const MambaParams& p, MambaState state, float* y, ThreadPool& pool);

void GatedGroupRmsNorm(const float* y, const float* z, int64_t z_stride, const float* weight, int64_t rows,
                       int64_t dim, int64_t group_size, float eps, float* out);

}  // namespace vllm::cpu
