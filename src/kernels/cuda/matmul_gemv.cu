// Instantiations and launch of the GEMV kernel (matmul_gemv.cuh): formats x MT in {1,2,4,8};
// more than 8 tokens run as 8-token tiles along grid.y.
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/matmul_gemv.cuh"
#include "kernels/cuda/matmul_launch.h"
#include "util/check.h"

namespace vllm::cuda::internal {
namespace {

template <class Fmt, int MT>
void Launch(MatJobs jobs, const float* x, int m, int cols, bool w_vec, bool x_vec, Stream stream) {
  constexpr int R = GemvRowsPerWarp<Fmt, MT>();
  // Largest block (8, 4 or 2 warps) that still gives every SM two blocks: the x tile is staged
  // once per block, so big blocks share it, but small matrices (k_proj: 1024 rows) need blocks
  // on every SM to have enough loads in flight.
  int total_rows = 0;
  for (int j = 0; j < jobs.num_jobs; ++j) total_rows += jobs.job[j].rows;
  const int tiles = CeilDiv(m, MT);
  int warps = 2;
  for (int w : {8, 4})
    if (CeilDiv(total_rows, w * R) * tiles >= 2 * NumSms()) {
      warps = w;
      break;
    }
  int blocks = 0;
  for (int j = 0; j < jobs.num_jobs; ++j) {
    jobs.block_begin[j] = blocks;
    blocks += CeilDiv(jobs.job[j].rows, warps * R);
  }
  jobs.block_begin[jobs.num_jobs] = blocks;
  if (blocks == 0) return;
  CHECK_LE(tiles, 65535) << m << " tokens";
  GemvKernel<Fmt, MT><<<dim3(blocks, tiles), warps * 32, 0, stream>>>(jobs, x, m, cols, w_vec, x_vec);
  CUDA_CHECK_LAUNCH();
}

template <class Fmt>
void LaunchM(MatJobs jobs, const float* x, int m, int cols, bool w_vec, bool x_vec, Stream stream) {
  if (m <= 1) return Launch<Fmt, 1>(jobs, x, m, cols, w_vec, x_vec, stream);
  if (m <= 2) return Launch<Fmt, 2>(jobs, x, m, cols, w_vec, x_vec, stream);
  if (m <= 4) return Launch<Fmt, 4>(jobs, x, m, cols, w_vec, x_vec, stream);
  return Launch<Fmt, 8>(jobs, x, m, cols, w_vec, x_vec, stream);
}

}  // namespace

void LaunchGemv(WeightFormat f, MatJobs jobs, const float* x, int m, int cols, bool w_vec, bool x_vec,
                Stream stream) {
  switch (f) {
    case WeightFormat::kAffine2: return LaunchM<AffineFmt<2>>(jobs, x, m, cols, w_vec, x_vec, stream);
    case WeightFormat::kAffine3: return LaunchM<AffineFmt<3>>(jobs, x, m, cols, w_vec, x_vec, stream);
    case WeightFormat::kAffine4: return LaunchM<AffineFmt<4>>(jobs, x, m, cols, w_vec, x_vec, stream);
    case WeightFormat::kAffine5: return LaunchM<AffineFmt<5>>(jobs, x, m, cols, w_vec, x_vec, stream);
    case WeightFormat::kAffine6: return LaunchM<AffineFmt<6>>(jobs, x, m, cols, w_vec, x_vec, stream);
    case WeightFormat::kAffine8: return LaunchM<AffineFmt<8>>(jobs, x, m, cols, w_vec, x_vec, stream);
    case WeightFormat::kDenseF32: return LaunchM<DenseFmt<F32Elem>>(jobs, x, m, cols, w_vec, x_vec, stream);
    case WeightFormat::kDenseBf16: return LaunchM<DenseFmt<Bf16Elem>>(jobs, x, m, cols, w_vec, x_vec, stream);
    case WeightFormat::kDenseF16: return LaunchM<DenseFmt<F16Elem>>(jobs, x, m, cols, w_vec, x_vec, stream);
  }
}

int NumSms() {
  static const int n = [] {
    int dev = 0, sms = 0;
    CUDA_CHECK(cudaGetDevice(&dev));
    CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev));
    return sms;
  }();
  return n;
}

}  // namespace vllm::cuda::internal
