// MoeDispatch (moe_dispatch.h): host bucketing, then per-expert MatMul on gathered rows.
#include "kernels/cuda/moe_dispatch.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <cstring>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_ops.h"
#include "util/check.h"

namespace vllm::cuda {
namespace {

void FreeDevice(void* p) {
  const cudaError_t err = cudaFree(p);
  if (err != cudaSuccess && err != cudaErrorCudartUnloading) CUDA_CHECK(err);
}
void FreePinned(void* p) {
  const cudaError_t err = cudaFreeHost(p);
  if (err != cudaSuccess && err != cudaErrorCudartUnloading) CUDA_CHECK(err);
}

}  // namespace

float* MoeDispatch::Ensure(DeviceBuffer* buf, size_t bytes) {
  if (buf->size() < bytes) {
    *buf = DeviceBuffer();  // cudaFree waits for the work that used it
    void* p = nullptr;
    CUDA_CHECK(cudaMalloc(&p, bytes));
    *buf = DeviceBuffer(p, bytes, Device::kCuda, &FreeDevice);
  }
  return buf->data<float>();
}

void* MoeDispatch::EnsurePinned(DeviceBuffer* buf, size_t bytes) {
  if (buf->size() < bytes) {
    *buf = DeviceBuffer();
    void* p = nullptr;
    CUDA_CHECK(cudaMallocHost(&p, bytes));
    *buf = DeviceBuffer(p, bytes, Device::kCpu, &FreePinned);
  }
  return buf->data();
}

void MoeDispatch::Run(const MoeWeights& w, const float* x, int64_t T, int64_t k, const int32_t* ids,
                      const float* weights, float* out, CUstream_st* stream) {
  CHECK(!w.experts.empty()) << "MoeExperts without experts";
  // Slices bound the scratch ([T*k, H] gathered rows and outputs) as on the CPU; the experts
  // are re-read once per 1024 tokens, little next to the slice's arithmetic.
  constexpr int64_t kMaxSliceTokens = 1024;
  const int64_t H = w.experts[0].up.cols;
  for (int64_t t0 = 0; t0 < T; t0 += kMaxSliceTokens) {
    const int64_t n = std::min(kMaxSliceTokens, T - t0);
    Slice(w, x + t0 * H, n, k, ids + t0 * k, weights + t0 * k, out + t0 * H, stream);
  }
}

void MoeDispatch::Slice(const MoeWeights& w, const float* x, int64_t T, int64_t k, const int32_t* ids,
                        const float* weights, float* out, CUstream_st* stream) {
  const int64_t E = static_cast<int64_t>(w.experts.size()), N = T * k;
  const bool glu = w.activation == ExpertActivation::kSwiGlu;
  const int64_t H = w.experts[0].up.cols, I = w.experts[0].up.rows;
  const int64_t Is = w.shared ? w.shared->up.rows : 0;

  // 1. The router's choice on the host (waits for the stream), bucketed by expert:
  //    start_[e] = first sorted row of expert e, pos[t*k + j] = the row of pair (t, j),
  //    pair_token[row] = its token.
  auto* host_ids = static_cast<int32_t*>(EnsurePinned(&ids_host_, static_cast<size_t>(N) * 4));
  CUDA_CHECK(cudaMemcpyAsync(host_ids, ids, static_cast<size_t>(N) * 4, cudaMemcpyDeviceToHost, stream));
  CUDA_CHECK(cudaStreamSynchronize(stream));  // also: the previous upload of index_host_ is done
  count_.assign(static_cast<size_t>(E), 0);
  for (int64_t i = 0; i < N; ++i) {
    CHECK(host_ids[i] >= 0 && host_ids[i] < E) << "expert id " << host_ids[i] << " outside [0, " << E << ")";
    ++count_[host_ids[i]];
  }
  start_.assign(static_cast<size_t>(E) + 1, 0);
  for (int64_t e = 0; e < E; ++e) start_[e + 1] = start_[e] + count_[e];
  auto* index = static_cast<int32_t*>(EnsurePinned(&index_host_, static_cast<size_t>(2 * N) * 4));
  int32_t* pair_token = index;
  int32_t* pos = index + N;
  std::fill(count_.begin(), count_.end(), 0);
  for (int64_t i = 0; i < N; ++i) {
    const int32_t e = host_ids[i];
    const int32_t row = start_[e] + count_[e]++;
    pos[i] = row;
    pair_token[row] = static_cast<int32_t>(i / k);
  }
  auto* index_dev = reinterpret_cast<int32_t*>(Ensure(&index_dev_, static_cast<size_t>(2 * N) * 4));
  CUDA_CHECK(cudaMemcpyAsync(index_dev, index, static_cast<size_t>(2 * N) * 4, cudaMemcpyHostToDevice, stream));

  // 2. Gathered rows xs [N, H]; activations g, u [N, I]; outputs ys [N, H].
  const size_t f = sizeof(float);
  float* xs = Ensure(&xs_, static_cast<size_t>(N * H) * f);
  float* u = Ensure(&u_, static_cast<size_t>(N * I) * f);
  float* g = glu ? Ensure(&g_, static_cast<size_t>(N * I) * f) : nullptr;
  float* ys = Ensure(&ys_, static_cast<size_t>(N * H) * f);
  GatherRows(x, index_dev, N, H, xs, stream);

  // 3. Each used expert: gate|up (or up), activation, down, on its rows; all rows are decode
  //    rows (m == decode_rows): the f32 GEMV.
  for (int64_t e = 0; e < E; ++e) {
    const int64_t m = start_[e + 1] - start_[e];
    if (m == 0) continue;
    const ExpertMlp& ex = w.experts[e];
    CHECK(ex.up.rows == I && ex.up.cols == H && ex.down.rows == H && ex.down.cols == I)
        << "expert " << e << " has another shape than expert 0";
    const float* xe = xs + start_[e] * H;
    float* ue = u + start_[e] * I;
    if (glu) {
      const MatMulJob jobs[] = {{&ex.gate, g + start_[e] * I}, {&ex.up, ue}};
      MatMulShared(jobs, 2, xe, m, m, stream);
    } else {
      MatMul(ex.up, xe, m, m, ue, stream);
    }
  }
  if (glu) SiluMul(g, u, N * I, u, stream);
  else Relu2(u, N * I, u, stream);
  for (int64_t e = 0; e < E; ++e) {
    const int64_t m = start_[e + 1] - start_[e];
    if (m > 0) MatMul(w.experts[e].down, u + start_[e] * I, m, m, ys + start_[e] * H, stream);
  }

  // 4. The shared expert on every token.
  float* sy = nullptr;
  if (w.shared) {
    float* su = Ensure(&su_, static_cast<size_t>(T * Is) * f);
    sy = Ensure(&sy_, static_cast<size_t>(T * H) * f);
    if (glu) {
      float* sg = Ensure(&sg_, static_cast<size_t>(T * Is) * f);
      const MatMulJob jobs[] = {{&w.shared->gate, sg}, {&w.shared->up, su}};
      MatMulShared(jobs, 2, x, T, T, stream);
      SiluMul(sg, su, T * Is, su, stream);
    } else {
      MatMul(w.shared->up, x, T, T, su, stream);
      Relu2(su, T * Is, su, stream);
    }
    MatMul(w.shared->down, su, T, T, sy, stream);
  }

  // 5. out[t] = sum_j w[t, j] * ys[pos[t, j]] (+ shared).
  MoeCombine(ys, index_dev + N, weights, sy, T, H, k, out, stream);
}

}  // namespace vllm::cuda
