// CUDA_CHECK: every CUDA runtime call goes through it. A failure is a programmer error or a
// broken device (DESIGN.md §9.4): abort with file:line, the call and cudaGetErrorString.
// CUDA_CHECK_LAUNCH() after each kernel launch catches bad launch configurations at once.
#pragma once

#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>

namespace vllm::cuda::internal {

[[noreturn]] inline void CudaFailure(cudaError_t err, const char* call, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: CUDA error %s (%s) in %s\n", file, line, cudaGetErrorName(err),
               cudaGetErrorString(err), call);
  std::abort();
}

}  // namespace vllm::cuda::internal

#define CUDA_CHECK(call)                                                                  \
  do {                                                                                    \
    const cudaError_t cuda_check_err_ = (call);                                           \
    if (cuda_check_err_ != cudaSuccess)                                                   \
      ::vllm::cuda::internal::CudaFailure(cuda_check_err_, #call, __FILE__, __LINE__);    \
  } while (false)

#define CUDA_CHECK_LAUNCH() CUDA_CHECK(cudaGetLastError())
