// MoeDispatch: Backend::MoeExperts on one CUDA stream. Host code (no CUDA header), owned by
// CudaBackend.
//
// The router's ids [T, k] are read back to the host (one stream sync per MoE layer), the
// (token, slot) pairs bucketed by expert there (cpu/moe.cc's order: tokens ascending within an
// expert), the bucket indices copied up, and then, per used expert, the ordinary MatMul on
// that expert's gathered rows: each expert's weights are read once per call whatever T. Every
// row goes through the f32 GEMV (decode numerics), so a token's result depends on its own row
// only: batch invariant, and the CPU's numerics to f32 rounding.
//
// The host sync makes a MoE layer uncapturable: the runner does not graph MoE models.
// One launch per expert matrix: fine for decode (k experts per token), launch-bound at large
// batches (issue 14: a grouped kernel over all experts).
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/device_buffer.h"
#include "kernels/moe.h"

struct CUstream_st;

namespace vllm::cuda {

class MoeDispatch {
 public:
  // out [T, H] = sum_j weights[t, j] * expert_{ids[t, j]}(x_t) (+ shared(x_t)); every pointer
  // on the device.
  void Run(const MoeWeights& w, const float* x, int64_t num_tokens, int64_t top_k, const int32_t* ids,
           const float* weights, float* out, CUstream_st* stream);

 private:
  void Slice(const MoeWeights& w, const float* x, int64_t T, int64_t k, const int32_t* ids, const float* weights,
             float* out, CUstream_st* stream);
  // Device scratch of at least `bytes` (contents not kept); pinned host likewise.
  static float* Ensure(DeviceBuffer* buf, size_t bytes);
  static void* EnsurePinned(DeviceBuffer* buf, size_t bytes);

  std::vector<int32_t> count_, start_;
  DeviceBuffer ids_host_, index_host_;  // pinned: router ids read back; [pair_token | pos] to upload
  DeviceBuffer index_dev_, xs_, g_, u_, ys_, sg_, su_, sy_;
};

}  // namespace vllm::cuda
