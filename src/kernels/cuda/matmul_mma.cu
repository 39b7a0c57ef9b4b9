// Instantiations and launch of the tensor-core matmul (matmul_mma.cuh): one kernel per
// affine bit width plus dense bf16; m and the shapes are runtime arguments.
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/matmul_launch.h"
#include "kernels/cuda/matmul_mma.cuh"
#include "util/check.h"

namespace vllm::cuda::internal {
namespace {

template <class Fmt>
void Launch(MatJobs jobs, const float* x, int m, int cols, bool x_vec, Stream stream) {
  int blocks = 0;
  for (int j = 0; j < jobs.num_jobs; ++j) {
    jobs.block_begin[j] = blocks;
    blocks += CeilDiv(jobs.job[j].rows, kMmaRows);
  }
  jobs.block_begin[jobs.num_jobs] = blocks;
  if (blocks == 0) return;
  // Token tiles vary fastest, so the blocks that share a weight tile run together and all but
  // the first read it from L2.
  const dim3 grid(CeilDiv(m, kMmaTokens), blocks);
  MmaKernel<Fmt><<<grid, 128, 0, stream>>>(jobs, x, m, cols, x_vec);
  CUDA_CHECK_LAUNCH();
}

}  // namespace

void LaunchMma(WeightFormat f, MatJobs jobs, const float* x, int m, int cols, bool x_vec, Stream stream) {
  switch (f) {
    case WeightFormat::kAffine2: return Launch<AffineFmt<2>>(jobs, x, m, cols, x_vec, stream);
    case WeightFormat::kAffine3: return Launch<AffineFmt<3>>(jobs, x, m, cols, x_vec, stream);
    case WeightFormat::kAffine4: return Launch<AffineFmt<4>>(jobs, x, m, cols, x_vec, stream);
    case WeightFormat::kAffine5: return Launch<AffineFmt<5>>(jobs, x, m, cols, x_vec, stream);
    case WeightFormat::kAffine6: return Launch<AffineFmt<6>>(jobs, x, m, cols, x_vec, stream);
    case WeightFormat::kAffine8: return Launch<AffineFmt<8>>(jobs, x, m, cols, x_vec, stream);
    case WeightFormat::kDenseBf16: return Launch<DenseFmt<Bf16Elem>>(jobs, x, m, cols, x_vec, stream);
    default: CHECK(false) << "no tensor-core matmul for weight format " << static_cast<int>(f);
  }
}

}  // namespace vllm::cuda::internal
