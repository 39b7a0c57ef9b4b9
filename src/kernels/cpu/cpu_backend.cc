#include "kernels/cpu/cpu_backend.h"

#include <cstring>

#include "kernels/cpu/cpu_ops.h"
#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/mamba_ops.h"
#include "kernels/cpu/moe_ops.h"
#include "util/check.h"
#include "util/mem_available.h"

namespace vllm {

CpuBackend::CpuBackend(int num_threads) : pool_(num_threads) {}

std::string CpuBackend::Describe() const {
  return "cpu " + std::string(cpu::SimdTargetName(cpu::ActiveSimdTarget())) + ", " +
         std::to_string(pool_.num_threads()) + " threads";
}

void CpuBackend::CopyToDevice(void* dst, const void* src, size_t bytes) { std::memcpy(dst, src, bytes); }
void CpuBackend::CopyToHost(void* dst, const void* src, size_t bytes) { std::memcpy(dst, src, bytes); }
void CpuBackend::Memset(void* dst, int value, size_t bytes) { std::memset(dst, value, bytes); }
size_t CpuBackend::AvailableMemory() const {
  auto avail = MemAvailableBytes();
  return avail.ok() ? static_cast<size_t>(avail.value()) : 0;  // 0: unknown (not Linux)
}

void CpuBackend::MatMul(const WeightMatrix& w, const float* x, int64_t m, int64_t /*decode_rows*/, float* y) {
  cpu::MatMul(w, x, m, y, pool_);
}
void CpuBackend::MatMulShared(std::span<const MatMulJob> jobs, const float* x, int64_t m, int64_t /*decode_rows*/) {
  cpu::MatMulShared(jobs.data(), static_cast<int>(jobs.size()), x, m, pool_);
}
void CpuBackend::EmbeddingLookup(const WeightMatrix& w, const int32_t* ids, int64_t n, float* out) {
  cpu::EmbeddingLookup(w, ids, n, out);
}
void CpuBackend::RmsNorm(const float* x, const float* weight, int64_t rows, int64_t dim, float eps,
                         float* y) {
  cpu::RmsNorm(x, weight, rows, dim, eps, y);
}
void CpuBackend::AddRmsNorm(float* x, const float* y, const float* weight, int64_t rows, int64_t dim,
                            float eps, float* out) {
  cpu::AddRmsNorm(x, y, weight, rows, dim, eps, out);
}
void CpuBackend::ApplyRope(float* x, const int32_t* positions, int64_t num_tokens, int64_t num_heads,
                           int64_t head_dim, const float* inv_freq) {
  cpu::ApplyRope(x, positions, num_tokens, num_heads, head_dim, inv_freq);
}
void CpuBackend::SiluMul(const float* gate, const float* up, int64_t n, float* out) {
  cpu::SiluMul(gate, up, n, out);
}
void CpuBackend::AddInPlace(float* x, const float* y, int64_t n) { cpu::AddInPlace(x, y, n); }
void CpuBackend::GeluTanhMul(const float* gate, const float* up, int64_t n, float* out) {
  cpu::GeluTanhMul(gate, up, n, out);
}
void CpuBackend::Scale(float* x, int64_t n, float s) { cpu::Scale(x, n, s); }
void CpuBackend::GatherRows(const float* src, const int32_t* indices, int64_t n, int64_t dim,
                            float* dst) {
  cpu::GatherRows(src, indices, n, dim, dst);
}
void CpuBackend::WriteKvCache(const float* k, const float* v, const BatchView& batch,
                              const AttentionShape& shape, KvLayer cache) {
  cpu::WriteKvCache(k, v, batch, shape, cache);
}
void CpuBackend::PagedAttention(const float* q, KvLayer cache, const BatchView& batch,
                                const AttentionShape& shape, float* out) {
  cpu::PagedAttention(q, cache, batch, shape, out, pool_);
}
void CpuBackend::RouterTopK(const float* logits, int64_t num_tokens, const RouterParams& params,
                            int32_t* ids, float* weights) {
  cpu::RouterTopK(logits, num_tokens, params, ids, weights);
}
void CpuBackend::MoeExperts(const MoeWeights& w, const float* x, int64_t num_tokens, int64_t top_k,
                            const int32_t* ids, const float* weights, float* out) {
  cpu::MoeExperts(w, x, num_tokens, top_k, ids, weights, out, pool_);
}

void CpuBackend::Sample(float* logits, int64_t vocab, const SamplingBatch& batch,
                        std::span<SampleOutput> out) {
  if (!sampler_ || sampler_->vocab_size() != vocab) sampler_ = std::make_unique<Sampler>(vocab, &pool_);
  sampler_->SampleBatch(logits, batch, out);
}

// Ops run synchronously on the calling thread (with the pool), so wall time is op time.
void CpuBackend::ProfileBegin(StepOp) { t_op_start_ = std::chrono::steady_clock::now(); }
void CpuBackend::ProfileEnd(StepOp op) {
  StepProfile::Add(op, std::chrono::duration<double>(std::chrono::steady_clock::now() - t_op_start_).count());
}

}  // namespace vllm

namespace vllm {

void CpuBackend::CausalConv1d(const float* xbc, int64_t x_stride, const BatchView& batch, const MambaShape& shape,
                              const MambaParams& p, MambaState state, float* out) {
  cpu::CausalConv1d(xbc, x_stride, batch, shape, p, state, out, pool_);
}
void CpuBackend::SsmScan(const float* u, const float* dt_raw, int64_t dt_stride, const BatchView& batch,
                         const MambaShape& shape, const MambaParams& p, MambaState state, float* y) {
  cpu::SsmScan(u, dt_raw, dt_stride, batch, shape, p, state, y, pool_);
}
void CpuBackend::GatedGroupRmsNorm(const float* y, const float* z, int64_t z_stride, const float* weight,
                                   int64_t rows, int64_t dim, int64_t group_size, float eps, float* out) {
  cpu::GatedGroupRmsNorm(y, z, z_stride, weight, rows, dim, group_size, eps, out);
}
void CpuBackend::Relu2(const float* x, int64_t n, float* out) { cpu::Relu2(x, n, out); }

}  // namespace vllm
