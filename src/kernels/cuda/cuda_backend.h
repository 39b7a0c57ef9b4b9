// CudaBackend: the Backend on one NVIDIA GPU (sm_90a). Plain C++ (no CUDA header), so
// backend_factory.cc (g++) includes it; the implementation is cuda_backend.cu.
//
// One compute stream carries every op, copy and memset in order; CopyToHost, Synchronize and
// Sample wait for it. Weights are uploaded once (WeightArena: one cudaMalloc per tensor, the
// host copy freed). Each step's BatchView arrays are packed into one pinned host block and
// copied to one fixed device block with a single H2D copy (Stage). Scratch for paged attention
// is owned here and grows to the largest step seen.
#pragma once

#include <memory>

#include "kernels/backend.h"
#include "util/status.h"

namespace vllm {

// Number of CUDA devices visible to this process; 0 when there is no driver or no GPU (never
// fails: `--device auto` asks it on every machine).
int CudaDeviceCount();

// The backend on device 0. FailedPrecondition-style error (a one-line CLI message, no abort)
// when no GPU is usable or it is not sm_90 (the kernels are built for sm_90a only).
Result<std::unique_ptr<Backend>> MakeCudaBackend(const BackendOptions& opts);

}  // namespace vllm
