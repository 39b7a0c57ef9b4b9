// CpuBackend: the Backend over host memory. Owns the compute ThreadPool that the model's ops
// and the sampler share; each op calls the cpu:: kernel of the same name (cpu_ops.h), which
// picks its SIMD target at run time (dispatch.h).
#pragma once

#include <chrono>
#include <memory>

#include "kernels/backend.h"
#include "sampler/sampler.h"

namespace vllm {

class CpuBackend final : public Backend {
 public:
  explicit CpuBackend(int num_threads);

  Device device() const override { return Device::kCpu; }
  std::string Describe() const override;
  ThreadPool& pool() override { return pool_; }

  DeviceBuffer Alloc(size_t bytes) override { return DeviceBuffer::Host(bytes); }
  DeviceBuffer Upload(DeviceBuffer host) override { return host; }
  void CopyToDevice(void* dst, const void* src, size_t bytes) override;
  void CopyToHost(void* dst, const void* src, size_t bytes) override;
  void Memset(void* dst, int value, size_t bytes) override;
  size_t AvailableMemory() const override;
  void Synchronize() override {}
  BatchView Stage(const BatchView& host) override { return host; }

  // One numerics for every row: decode_rows changes nothing.
  void MatMul(const WeightMatrix& w, const float* x, int64_t m, int64_t decode_rows, float* y) override;
  void MatMulShared(std::span<const MatMulJob> jobs, const float* x, int64_t m, int64_t decode_rows) override;
  void EmbeddingLookup(const WeightMatrix& w, const int32_t* ids, int64_t n, float* out) override;
  void RmsNorm(const float* x, const float* weight, int64_t rows, int64_t dim, float eps,
               float* y) override;
  void AddRmsNorm(float* x, const float* y, const float* weight, int64_t rows, int64_t dim, float eps,
                  float* out) override;
  void ApplyRope(float* x, const int32_t* positions, int64_t num_tokens, int64_t num_heads,
                 int64_t head_dim, const float* inv_freq) override;
  void SiluMul(const float* gate, const float* up, int64_t n, float* out) override;
  void AddInPlace(float* x, const float* y, int64_t n) override;
  void GeluTanhMul(const float* gate, const float* up, int64_t n, float* out) override;
  void Scale(float* x, int64_t n, float s) override;
  Status SupportsWeight(const WeightMatrix&) const override { return Status::Ok(); }
  Status SupportsGemmaOps() const override { return Status::Ok(); }
  void GatherRows(const float* src, const int32_t* indices, int64_t n, int64_t dim,
                  float* dst) override;
  void WriteKvCache(const float* k, const float* v, const BatchView& batch,
                    const AttentionShape& shape, KvLayer cache) override;
  void PagedAttention(const float* q, KvLayer cache, const BatchView& batch,
                      const AttentionShape& shape, float* out) override;
  Status SupportsMoe() const override { return Status::Ok(); }
  void RouterTopK(const float* logits, int64_t num_tokens, const RouterParams& params, int32_t* ids,
                  float* weights) override;
  void MoeExperts(const MoeWeights& w, const float* x, int64_t num_tokens, int64_t top_k,
                  const int32_t* ids, const float* weights, float* out) override;
  Status SupportsMamba() const override { return Status::Ok(); }
  void CausalConv1d(const float* xbc, int64_t x_stride, const BatchView& batch, const MambaShape& shape,
                    const MambaParams& p, MambaState state, float* out) override;
  void SsmScan(const float* u, const float* dt_raw, int64_t dt_stride, const BatchView& batch,
               const MambaShape& shape, const MambaParams& p, MambaState state, float* y) override;
  void GatedGroupRmsNorm(const float* y, const float* z, int64_t z_stride, const float* weight, int64_t rows,
                         int64_t dim, int64_t group_size, float eps, float* out) override;
  void Relu2(const float* x, int64_t n, float* out) override;

  void Sample(float* logits, int64_t vocab, const SamplingBatch& batch,
              std::span<SampleOutput> out) override;

  void ProfileBegin(StepOp op) override;
  void ProfileEnd(StepOp op) override;

 private:
  ThreadPool pool_;
  std::unique_ptr<Sampler> sampler_;  // made on the first Sample, for that vocabulary
  std::chrono::steady_clock::time_point t_op_start_;
};

}  // namespace vllm
