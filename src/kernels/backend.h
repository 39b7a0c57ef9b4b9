// Backend: the one seam between the models and a device (DESIGN.md §4). Every operation a
// model or the sampler runs goes through it; the model never calls cpu:: or cuda:: directly.
// The backend is chosen once, at load (MakeBackend), never by #ifdef above kernels/.
//
// Memory: every pointer an op takes lives on this backend's device (host memory for the CPU
// backend, GPU memory for CUDA). Weights arrive as host DeviceBuffers and go through Upload
// once; KV caches and scratch come from Alloc. Activations are f32, row-major.
// Ops are queued in order on one stream (the CPU runs them synchronously); CopyToHost and
// Sample wait for everything queued before them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "kernels/batch_view.h"
#include "kernels/device_buffer.h"
#include "kernels/kv_layer.h"
#include "kernels/mamba.h"
#include "kernels/moe.h"
#include "kernels/step_profile.h"
#include "kernels/weight_matrix.h"
#include "sampler/sample_output.h"
#include "sampler/sampling_batch.h"
#include "util/status.h"
#include "util/thread_pool.h"

namespace vllm {

class Backend {
 public:
  virtual ~Backend() = default;

  virtual Device device() const = 0;
  // For logs and the benchmarks' hardware line, e.g. "cpu avx512, 2 threads".
  virtual std::string Describe() const = 0;
  // The host worker pool (the CPU backend computes on it; every backend lends it to host-side
  // work such as text processing in benchmarks). Never null.
  virtual ThreadPool& pool() = 0;
  // Whether this backend's attention kernels take this shape (head size, GQA group); checked
  // once at model load so an unsupported shape is a one-line error there, not an abort later.
  virtual Status SupportsAttention(int64_t /*num_heads*/, int64_t /*num_kv_heads*/, int64_t /*head_dim*/) const {
    return Status::Ok();
  }
  // Whether RouterTopK / MoeExperts exist here (asked at load for MoE models).
  virtual Status SupportsMoe() const {
    return Unimplemented("backend '" + Describe() + "' has no mixture-of-experts kernels yet");
  }

  // Whether this backend's MatMul / EmbeddingLookup read W's storage format (asked at load for
  // every matrix: GGUF block formats exist only where a backend says so).
  virtual Status SupportsWeight(const WeightMatrix& w) const;
  // Whether GeluTanhMul, Scale and sliding-window attention (AttentionShape::sliding_window)
  // exist here (asked at load by the architectures that need them: gemma3).
  virtual Status SupportsGemmaOps() const {
    return Unimplemented("backend '" + Describe() +
                         "' has no GELU-tanh / sliding-window attention kernels yet (gemma3)");
  }
  // Whether CausalConv1d / SsmScan / GatedGroupRmsNorm / Relu2 exist here (asked at load for
  // hybrid state-space models such as nemotron_h).
  virtual Status SupportsMamba() const {
    return Unimplemented("backend '" + Describe() + "' has no state-space (Mamba2) kernels yet");
  }

  // --- memory ---
  virtual DeviceBuffer Alloc(size_t bytes) = 0;  // uninitialised
  // Moves host bytes to the device (CPU: returns `host` itself, no copy).
  virtual DeviceBuffer Upload(DeviceBuffer host) = 0;
  virtual void CopyToDevice(void* dst, const void* src, size_t bytes) = 0;
  virtual void CopyToHost(void* dst, const void* src, size_t bytes) = 0;  // waits
  virtual void Memset(void* dst, int value, size_t bytes) = 0;
  // Bytes a new allocation of KV cache may take without starving the process (host:
  // MemAvailable; GPU: free device memory).
  virtual size_t AvailableMemory() const = 0;
  // The device's memory in bytes (--gpu-memory-utilization); 0 where that has no meaning (the CPU).
  virtual size_t TotalMemory() const { return 0; }
  virtual void Synchronize() = 0;

  // A batch view whose pointers this backend's kernels may read. `host` points into host
  // vectors; the result stays valid until the next Stage call (CPU: `host` itself).
  virtual BatchView Stage(const BatchView& host) = 0;

  // --- ops (kernels/cpu/cpu_ops.h documents each one's math and shapes) ---
  // y[m, W.rows] = x[m, W.cols] @ W^T (+ W.bias); dense or quantized W.
  // Batch invariance: rows [0, decode_rows) of x are decode tokens, the rest prompt tokens. A
  // backend whose many-row path has other numerics than its few-row path (CUDA: bf16 tensor
  // cores vs the f32 GEMV) computes every decode row with one numerics and every prompt row
  // with one numerics, whatever m is, so a sequence's results never depend on the batch
  // around it. Each row's result depends on that row of x alone. The CPU computes all alike.
  virtual void MatMul(const WeightMatrix& w, const float* x, int64_t m, int64_t decode_rows, float* y) = 0;
  // Several y_i = x @ W_i^T over one x in one pass (q|k|v, gate|up); equal cols.
  virtual void MatMulShared(std::span<const MatMulJob> jobs, const float* x, int64_t m, int64_t decode_rows) = 0;
  virtual void EmbeddingLookup(const WeightMatrix& w, const int32_t* ids, int64_t n, float* out) = 0;
  virtual void RmsNorm(const float* x, const float* weight, int64_t rows, int64_t dim, float eps,
                       float* y) = 0;
  virtual void AddRmsNorm(float* x, const float* y, const float* weight, int64_t rows, int64_t dim,
                          float eps, float* out) = 0;
  virtual void ApplyRope(float* x, const int32_t* positions, int64_t num_tokens, int64_t num_heads,
                         int64_t head_dim, const float* inv_freq) = 0;
  virtual void SiluMul(const float* gate, const float* up, int64_t n, float* out) = 0;
  virtual void AddInPlace(float* x, const float* y, int64_t n) = 0;
  // out = gelu_tanh(gate) * up over n values (gemma's GLU); only where SupportsGemmaOps().
  virtual void GeluTanhMul(const float* gate, const float* up, int64_t n, float* out);
  // x *= s over n values (gemma's embedding scale); only where SupportsGemmaOps().
  virtual void Scale(float* x, int64_t n, float s);
  // dst[i] = src[indices[i]] (rows of dim); in place allowed for ascending indices[i] >= i.
  virtual void GatherRows(const float* src, const int32_t* indices, int64_t n, int64_t dim,
                          float* dst) = 0;
  virtual void WriteKvCache(const float* k, const float* v, const BatchView& batch,
                            const AttentionShape& shape, KvLayer cache) = 0;
  virtual void PagedAttention(const float* q, KvLayer cache, const BatchView& batch,
                              const AttentionShape& shape, float* out) = 0;

  // --- mixture of experts (kernels/moe.h; only where SupportsMoe() is Ok) ---
  // logits [T, E] -> ids [T, k] (int32) and weights [T, k] (f32), per RouterParams.
  virtual void RouterTopK(const float* logits, int64_t num_tokens, const RouterParams& params,
                          int32_t* ids, float* weights);
  // out[T, H] = sum_j weights[t, j] * expert_{ids[t, j]}(x_t) (+ shared(x_t)); x [T, H].
  // Each distinct expert's weights are read once per call, whatever T.
  virtual void MoeExperts(const MoeWeights& w, const float* x, int64_t num_tokens, int64_t top_k,
                          const int32_t* ids, const float* weights, float* out);

  // --- state-space layers (kernels/mamba.h; only where SupportsMamba() is Ok) ---
  // Causal depthwise conv over each sequence's chunk, continuing from its conv state:
  //   out[t, c] = silu(bias[c] + sum_j weight[c, j] * xbc_{t-K+1+j}[c]),  xbc rows [T] of
  // conv_dim channels at row stride x_stride (a slice of in_proj's output); rows before the
  // chunk come from the slot (zeros when the chunk starts at position 0). Afterwards the
  // slot holds the last K-1 raw rows. out [T, conv_dim] contiguous.
  virtual void CausalConv1d(const float* xbc, int64_t x_stride, const BatchView& batch,
                            const MambaShape& shape, const MambaParams& p, MambaState state,
                            float* out);
  // The Mamba2 recurrence per (sequence, head), token by token, from the slot's S (zeros at
  // position 0) and leaving the final S there: dt = softplus(dt_raw + dt_bias),
  //   S = exp(dt*A) S + dt xs B^T,  y = S C + D xs.
  // u [T, conv_dim] = xs | B | C (the conv output); dt_raw rows [T] of H at stride dt_stride;
  // y [T, H*P].
  virtual void SsmScan(const float* u, const float* dt_raw, int64_t dt_stride, const BatchView& batch,
                       const MambaShape& shape, const MambaParams& p, MambaState state, float* y);
  // out[r] = weight * RmsNorm_groups(y[r] * silu(z[r])): each contiguous group of group_size
  // values is normalised on its own (no weight inside), then the [dim] weight scales all.
  // y, out [rows, dim]; z rows at stride z_stride.
  virtual void GatedGroupRmsNorm(const float* y, const float* z, int64_t z_stride, const float* weight,
                                 int64_t rows, int64_t dim, int64_t group_size, float eps, float* out);
  // out = max(x, 0)^2 over n values (in place allowed): nemotron_h's dense MLP.
  virtual void Relu2(const float* x, int64_t n, float* out);

  // --- sampling ---
  // logits [batch.num_rows, vocab] on this device (overwritten); one output per row. Rows are
  // independent: a row's result does not depend on the others.
  virtual void Sample(float* logits, int64_t vocab, const SamplingBatch& batch,
                      std::span<SampleOutput> out) = 0;

  // --- graphs (CUDA graphs for pure-decode steps) ---
  // Whether RunGraph captures and replays; false: it just runs the ops.
  virtual bool SupportsGraphs() const { return false; }
  // Runs `ops` (calls on this backend only, no host reads) as the graph kept under `key`: the
  // first call runs them eagerly (a warm-up that sizes every scratch buffer they use), the
  // second captures them, later calls replay the capture. A replay reuses the captured device
  // pointers and host arguments, so the caller's key must determine both (the staged
  // layout, the batch size), and the ops may read only memory at stable addresses (Stage's
  // buffers, weights, caches, model scratch). A backend that reallocates memory its graphs
  // read drops them; so must a caller that reallocates its own (ResetGraphs).
  virtual void RunGraph(uint64_t /*key*/, const std::function<void()>& ops) { ops(); }
  virtual void ResetGraphs() {}
  struct GraphStats {
    int64_t captures = 0;  // graphs captured (a reset and a new key capture again)
    int64_t replays = 0;   // RunGraph calls that launched a captured graph
  };
  virtual GraphStats graph_stats() const { return {}; }

  // --- profiling (VLLM_CPP_PROFILE=1) ---
  virtual void ProfileBegin(StepOp op) = 0;
  virtual void ProfileEnd(StepOp op) = 0;
};

// Times f into `op` when profiling is on.
template <typename F>
inline void Timed(Backend& b, StepOp op, F&& f) {
  if (!StepProfile::Enabled()) return f();
  b.ProfileBegin(op);
  f();
  b.ProfileEnd(op);
}

struct BackendOptions {
  Device device = Device::kCpu;
  int num_threads = 0;  // host pool size; 0: one per physical core
};

// "cpu" | "cuda" | "auto" (cuda when this build has it and a GPU is present).
Result<Device> ParseDevice(const std::string& name);
// Unimplemented with a clear message when the device is not compiled in or absent.
Result<std::unique_ptr<Backend>> MakeBackend(const BackendOptions& opts);

}  // namespace vllm
