// MakeBackend: the one place that knows which backends this build has. VLLM_CPP_CUDA is
// defined only when CMake builds the CUDA backend (-DVLLM_CPP_CUDA=ON); this is the only #if
// on it above kernels/cuda/.
#include <memory>

#include "kernels/backend.h"
#include "kernels/cpu/cpu_backend.h"

#if defined(VLLM_CPP_CUDA)
#include "kernels/cuda/cuda_backend.h"
#endif

namespace vllm {

Result<Device> ParseDevice(const std::string& name) {
  if (name == "cpu") return Device::kCpu;
  if (name == "cuda") return Device::kCuda;
  if (name == "auto") {
#if defined(VLLM_CPP_CUDA)
    if (CudaDeviceCount() > 0) return Device::kCuda;
#endif
    return Device::kCpu;
  }
  return InvalidArgument("--device '" + name + "' (need cpu, cuda or auto)");
}

Result<std::unique_ptr<Backend>> MakeBackend(const BackendOptions& opts) {
  switch (opts.device) {
    case Device::kCpu:
      return std::unique_ptr<Backend>(new CpuBackend(opts.num_threads));
    case Device::kCuda:
#if defined(VLLM_CPP_CUDA)
      return MakeCudaBackend(opts);
#else
      return Unimplemented("--device cuda: this build has no CUDA backend (build with make build-cuda)");
#endif
  }
  return InvalidArgument("unknown device");
}

}  // namespace vllm
