// CudaBackend (cuda_backend.h): memory, staging and sampling on one stream; every op is the
// vllm::cuda kernel of the same name (cuda_ops.h). Host code only: nvcc compiles it so that it
// sees the runtime headers, but no kernel is defined here.
#include "kernels/cuda/cuda_backend.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/moe_dispatch.h"
#include "sampler/sampler.h"
#include "util/check.h"

namespace vllm {
namespace {

void CudaFree(void* p) {
  // At process exit the runtime may already be unloading; nothing is left to free then.
  const cudaError_t err = cudaFree(p);
  if (err != cudaSuccess && err != cudaErrorCudartUnloading) CUDA_CHECK(err);
}

void PinnedFree(void* p) {
  const cudaError_t err = cudaFreeHost(p);
  if (err != cudaSuccess && err != cudaErrorCudartUnloading) CUDA_CHECK(err);
}

size_t Align8(size_t n) { return (n + 7) / 8 * 8; }

class CudaBackend final : public Backend {
 public:
  CudaBackend(int device_id, int num_threads) : device_id_(device_id), pool_(num_threads) {
    CUDA_CHECK(cudaSetDevice(device_id_));
    CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    CUDA_CHECK(cudaEventCreateWithFlags(&staged_, cudaEventDisableTiming));
    cudaDeviceProp prop{};
    CUDA_CHECK(cudaGetDeviceProperties(&prop, device_id_));
    int driver = 0;
    CUDA_CHECK(cudaDriverGetVersion(&driver));
    describe_ = "cuda " + std::string(prop.name) + " (sm_" + std::to_string(prop.major) +
                std::to_string(prop.minor) + ", " + std::to_string(prop.multiProcessorCount) + " SMs, " +
                std::to_string(prop.totalGlobalMem >> 30) + " GiB, driver " + std::to_string(driver / 1000) +
                "." + std::to_string(driver % 1000 / 10) + ")";
  }
  ~CudaBackend() override {
    // Buffers this backend made may outlive it (the model owns them): they free themselves.
    cudaStreamSynchronize(stream_);
    ResetGraphs();
    cudaEventDestroy(staged_);
    cudaStreamDestroy(stream_);
  }

  Device device() const override { return Device::kCuda; }
  std::string Describe() const override { return describe_; }
  ThreadPool& pool() override { return pool_; }

  DeviceBuffer Alloc(size_t bytes) override {
    if (bytes == 0) return DeviceBuffer(nullptr, 0, Device::kCuda, nullptr);
    void* p = nullptr;
    const cudaError_t err = cudaMalloc(&p, bytes);
    CHECK(err == cudaSuccess) << "cudaMalloc(" << bytes << " bytes): " << cudaGetErrorString(err)
                              << "; free " << AvailableMemory() << " bytes (lower --kv-cache-memory)";
    return DeviceBuffer(p, bytes, Device::kCuda, &CudaFree);
  }
  DeviceBuffer Upload(DeviceBuffer host) override {
    if (host.device() == Device::kCuda || host.empty()) return host;
    DeviceBuffer d = Alloc(host.size());
    CUDA_CHECK(cudaMemcpyAsync(d.data(), host.data(), host.size(), cudaMemcpyHostToDevice, stream_));
    CUDA_CHECK(cudaStreamSynchronize(stream_));  // the host copy is freed on return
    return d;
  }
  // cudaMemcpyDefault: unified addressing tells host from device pointers, so the model may
  // also copy device to device. Waits, so `src` may be a temporary.
  void CopyToDevice(void* dst, const void* src, size_t bytes) override {
    if (bytes == 0) return;
    CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDefault, stream_));
    CUDA_CHECK(cudaStreamSynchronize(stream_));
  }
  void CopyToHost(void* dst, const void* src, size_t bytes) override {
    if (bytes == 0) return;
    CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDefault, stream_));
    CUDA_CHECK(cudaStreamSynchronize(stream_));
  }
  void Memset(void* dst, int value, size_t bytes) override {
    if (bytes) CUDA_CHECK(cudaMemsetAsync(dst, value, bytes, stream_));
  }
  Status SupportsAttention(int64_t num_heads, int64_t num_kv_heads, int64_t head_dim) const override {
    // attention.cu instantiates its kernels for these head sizes, and one CTA holds a GQA group.
    if (head_dim != 32 && head_dim != 64 && head_dim != 128)
      return Unimplemented("the CUDA backend's attention supports head_dim 32, 64 or 128, this model has " +
                           std::to_string(head_dim) + " (run it with --device cpu)");
    if (num_kv_heads <= 0 || num_heads % num_kv_heads != 0 || num_heads / num_kv_heads > 8)
      return Unimplemented("the CUDA backend's attention supports GQA groups of at most 8 query heads, this "
                           "model has " + std::to_string(num_heads) + "/" + std::to_string(num_kv_heads) +
                           " (run it with --device cpu)");
    return Status::Ok();
  }
  Status SupportsMoe() const override { return Status::Ok(); }
  size_t AvailableMemory() const override { return MemInfo().first; }
  size_t TotalMemory() const override { return MemInfo().second; }
  void Synchronize() override { CUDA_CHECK(cudaStreamSynchronize(stream_)); }

  BatchView Stage(const BatchView& host) override;

  void MatMul(const WeightMatrix& w, const float* x, int64_t m, int64_t decode_rows, float* y) override {
    cuda::MatMul(w, x, m, decode_rows, y, stream_);
  }
  void MatMulShared(std::span<const MatMulJob> jobs, const float* x, int64_t m, int64_t decode_rows) override {
    // The kernel takes at most kMaxSharedJobs; longer lists go in groups over the same x.
    for (size_t i = 0; i < jobs.size(); i += cuda::kMaxSharedJobs) {
      const int n = static_cast<int>(std::min<size_t>(cuda::kMaxSharedJobs, jobs.size() - i));
      cuda::MatMulShared(jobs.data() + i, n, x, m, decode_rows, stream_);
    }
  }
  void EmbeddingLookup(const WeightMatrix& w, const int32_t* ids, int64_t n, float* out) override {
    cuda::EmbeddingLookup(w, ids, n, out, stream_);
  }
  void RmsNorm(const float* x, const float* weight, int64_t rows, int64_t dim, float eps, float* y) override {
    cuda::RmsNorm(x, weight, rows, dim, eps, y, stream_);
  }
  void AddRmsNorm(float* x, const float* y, const float* weight, int64_t rows, int64_t dim, float eps,
                  float* out) override {
    cuda::AddRmsNorm(x, y, weight, rows, dim, eps, out, stream_);
  }
  void ApplyRope(float* x, const int32_t* positions, int64_t num_tokens, int64_t num_heads, int64_t head_dim,
                 const float* inv_freq) override {
    cuda::ApplyRope(x, positions, num_tokens, num_heads, head_dim, inv_freq, stream_);
  }
  void SiluMul(const float* gate, const float* up, int64_t n, float* out) override {
    cuda::SiluMul(gate, up, n, out, stream_);
  }
  void AddInPlace(float* x, const float* y, int64_t n) override { cuda::AddInPlace(x, y, n, stream_); }
  void GatherRows(const float* src, const int32_t* indices, int64_t n, int64_t dim, float* dst) override {
    cuda::GatherRows(src, indices, n, dim, dst, stream_);
  }
  void WriteKvCache(const float* k, const float* v, const BatchView& batch, const AttentionShape& shape,
                    KvLayer cache) override {
    cuda::WriteKvCache(k, v, batch, shape, cache, stream_);
  }
  void PagedAttention(const float* q, KvLayer cache, const BatchView& batch, const AttentionShape& shape,
                      float* out) override {
    const size_t need = cuda::PagedAttentionScratchBytes(batch.num_tokens, shape);
    if (attn_scratch_.size() < need) Grow(&attn_scratch_, need);
    cuda::PagedAttention(q, cache, batch, shape, out, attn_scratch_.data(), attn_scratch_.size(), stream_);
  }

  void RouterTopK(const float* logits, int64_t num_tokens, const RouterParams& params, int32_t* ids,
                  float* weights) override {
    cuda::RouterTopK(logits, num_tokens, params, ids, weights, stream_);
  }
  void MoeExperts(const MoeWeights& w, const float* x, int64_t num_tokens, int64_t top_k, const int32_t* ids,
                  const float* weights, float* out) override {
    // It reads the router's choice on the host, which a graph cannot hold (moe_dispatch.h).
    CHECK(!capturing_) << "MoeExperts inside a captured graph (the runner must not graph MoE models)";
    moe_.Run(w, x, num_tokens, top_k, ids, weights, out, stream_);
  }

  void Sample(float* logits, int64_t vocab, const SamplingBatch& batch, std::span<SampleOutput> out) override;

  bool SupportsGraphs() const override { return true; }
  void RunGraph(uint64_t key, const std::function<void()>& ops) override;
  GraphStats graph_stats() const override { return graph_stats_; }
  void ResetGraphs() override {
    // An exec still running finishes first: destroying it only frees it on completion.
    for (auto& [key, exec] : graphs_) CUDA_CHECK(cudaGraphExecDestroy(exec));
    graphs_.clear();
    warmed_.clear();
  }

  // Profiling synchronizes around each op (VLLM_CPP_PROFILE=1 only): the numbers are device
  // time plus one launch, never the launch alone.
  void ProfileBegin(StepOp) override {
    Synchronize();
    t_op_start_ = std::chrono::steady_clock::now();
  }
  void ProfileEnd(StepOp op) override {
    Synchronize();
    StepProfile::Add(op, std::chrono::duration<double>(std::chrono::steady_clock::now() - t_op_start_).count());
  }

 private:
  // (free, total) bytes of device memory.
  static std::pair<size_t, size_t> MemInfo() {
    size_t free_bytes = 0, total = 0;
    CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total));
    return {free_bytes, total};
  }

  // Pinned host memory of at least `bytes` in `buf` (contents not kept).
  void EnsurePinned(DeviceBuffer* buf, size_t bytes) {
    if (buf->size() >= bytes) return;
    void* p = nullptr;
    CUDA_CHECK(cudaMallocHost(&p, bytes));
    *buf = DeviceBuffer(p, bytes, Device::kCpu, &PinnedFree);
  }

  // Replaces `buf` by a larger allocation. Graphs captured over the old one would read freed
  // memory, so they go; growing while capturing is a bug (the warm-up run sizes everything).
  void Grow(DeviceBuffer* buf, size_t bytes) {
    CHECK(!capturing_) << "a captured step reallocated device memory; its warm-up must size it";
    if (!buf->empty()) ResetGraphs();
    *buf = DeviceBuffer();  // cudaFree waits for the stream's users
    *buf = Alloc(bytes);
  }

  int device_id_;
  ThreadPool pool_;
  cudaStream_t stream_ = nullptr;
  cudaEvent_t staged_ = nullptr;  // the last Stage copy has read the pinned block
  std::string describe_;
  DeviceBuffer stage_host_, stage_dev_;  // pinned / device halves of the staging block
  DeviceBuffer attn_scratch_;
  cuda::MoeDispatch moe_;                // MoeExperts' bucketing and scratch
  DeviceBuffer ids_dev_, ids_host_;      // greedy ids: device result, pinned copy
  DeviceBuffer rows_host_;               // pinned logits rows of host-sampled rows
  DeviceBuffer sample_rows_host_, sample_rows_dev_;  // pinned / device DeviceSampleRow per row
  std::unique_ptr<Sampler> sampler_;     // the CPU sampler, for rows the device does not sample
  SamplingBatch host_batch_;
  std::vector<SampleOutput> host_out_;
  std::chrono::steady_clock::time_point t_op_start_;
  std::unordered_set<uint64_t> warmed_;                    // keys whose warm-up ran
  std::unordered_map<uint64_t, cudaGraphExec_t> graphs_;  // captured, by key
  bool capturing_ = false;
  GraphStats graph_stats_;
};

void CudaBackend::RunGraph(uint64_t key, const std::function<void()>& ops) {
  auto it = graphs_.find(key);
  if (it == graphs_.end()) {
    if (warmed_.insert(key).second) return ops();
    // Thread-local capture: a stray synchronizing call from this thread (a host copy, an
    // allocation) fails the capture instead of silently baking a stale value in.
    capturing_ = true;
    CUDA_CHECK(cudaStreamBeginCapture(stream_, cudaStreamCaptureModeThreadLocal));
    ops();
    cudaGraph_t graph = nullptr;
    CUDA_CHECK(cudaStreamEndCapture(stream_, &graph));
    capturing_ = false;
    cudaGraphExec_t exec = nullptr;
    CUDA_CHECK(cudaGraphInstantiate(&exec, graph, 0));
    CUDA_CHECK(cudaGraphDestroy(graph));
    it = graphs_.emplace(key, exec).first;
    ++graph_stats_.captures;
  }
  CUDA_CHECK(cudaGraphLaunch(it->second, stream_));
  ++graph_stats_.replays;
}

// The staging block: each array 8-byte aligned, in BatchView order, one copy.
//   | token_ids | positions | slot_mapping | token_seq | query_start | seq_lens | block_tables |
//   | logits_indices | state_slots (if any) |
BatchView CudaBackend::Stage(const BatchView& host) {
  struct Part {
    const void* src;
    size_t bytes;
  };
  const size_t T = static_cast<size_t>(host.num_tokens), S = static_cast<size_t>(host.num_seqs);
  const Part parts[] = {
      {host.token_ids, T * 4},
      {host.positions, T * 4},
      {host.slot_mapping, T * 8},
      {host.token_seq, T * 4},
      {host.query_start, (S + 1) * 4},
      {host.seq_lens, S * 4},
      {host.block_tables, S * static_cast<size_t>(host.block_table_stride) * 4},
      {host.logits_indices, static_cast<size_t>(host.num_logits) * 4},
      {host.state_slots, host.state_slots ? S * 4 : 0},
  };
  size_t total = 0;
  for (const Part& p : parts) total += Align8(p.src ? p.bytes : 0);
  total = std::max<size_t>(total, 8);
  // The previous step's copy must have read the pinned block before it is rewritten.
  CUDA_CHECK(cudaEventSynchronize(staged_));
  if (stage_dev_.size() < total) {
    const size_t cap = std::max(total, stage_dev_.size() * 2);
    Grow(&stage_dev_, cap);
    stage_host_ = DeviceBuffer();
    EnsurePinned(&stage_host_, cap);
  }
  std::byte* h = stage_host_.data();
  std::byte* d = stage_dev_.data();
  const void* dev_ptr[std::size(parts)];
  size_t off = 0;
  for (size_t i = 0; i < std::size(parts); ++i) {
    if (!parts[i].src || parts[i].bytes == 0) {
      dev_ptr[i] = parts[i].src ? d + off : nullptr;  // keep "present but empty" non-null
      continue;
    }
    std::memcpy(h + off, parts[i].src, parts[i].bytes);
    dev_ptr[i] = d + off;
    off += Align8(parts[i].bytes);
  }
  if (off) CUDA_CHECK(cudaMemcpyAsync(d, h, off, cudaMemcpyHostToDevice, stream_));
  CUDA_CHECK(cudaEventRecord(staged_, stream_));
  BatchView v = host;
  v.token_ids = static_cast<const int32_t*>(dev_ptr[0]);
  v.positions = static_cast<const int32_t*>(dev_ptr[1]);
  v.slot_mapping = static_cast<const int64_t*>(dev_ptr[2]);
  v.token_seq = static_cast<const int32_t*>(dev_ptr[3]);
  v.query_start = static_cast<const int32_t*>(dev_ptr[4]);
  v.seq_lens = static_cast<const int32_t*>(dev_ptr[5]);
  v.block_tables = static_cast<const int32_t*>(dev_ptr[6]);
  v.logits_indices = static_cast<const int32_t*>(dev_ptr[7]);
  v.state_slots = static_cast<const int32_t*>(dev_ptr[8]);
  return v;
}

// Sampling, split by what the row needs:
//  - plain greedy rows (no logprobs, no min_tokens / logit_bias / penalties / grammar mask) take the device
//    argmax (cuda::ArgMaxRows: lowest id on ties, NaN never wins, as the CPU's ArgMax); only
//    the ids come back;
//  - every other row (temperature/top-k/top-p/min-p draws, edits, logprobs) copies its logits
//    row to pinned host memory and runs the CPU Sampler on it, so its semantics and its Philox
//    draw (seed, position) are the CPU's by construction. A device sampler (CUDA_BACKEND.md
//    §2e) replaces this path in the performance issue.
void CudaBackend::Sample(float* logits, int64_t vocab, const SamplingBatch& batch, std::span<SampleOutput> out) {
  const int64_t rows = batch.num_rows();
  CHECK_EQ(static_cast<int64_t>(out.size()), rows);
  if (rows == 0) return;
  // Rows without logprobs or logit edits are sampled on the device (argmax for greedy, the
  // random draw otherwise): only their ids come back. The others copy their row to the host
  // sampler. ArgMaxRows runs over every row: greedy ids, and the fallback of random rows
  // with no mass (the CPU sampler's argmax).
  std::vector<int64_t> host_rows;
  bool any_random = false;
  EnsurePinned(&sample_rows_host_, static_cast<size_t>(rows) * sizeof(cuda::DeviceSampleRow));
  auto* params = sample_rows_host_.data<cuda::DeviceSampleRow>();
  for (int64_t r = 0; r < rows; ++r) {
    const bool on_device = batch.num_logprobs[r] < 0 && !batch.has_edits[r];
    const bool random = batch.temperature[r] >= kGreedyTemperature;
    if (!on_device) host_rows.push_back(r);
    any_random |= on_device && random;
    params[r] = cuda::DeviceSampleRow{.temperature = batch.temperature[r], .top_p = batch.top_p[r],
                                      .min_p = batch.min_p[r], .top_k = batch.top_k[r], .seed = batch.seed[r],
                                      .position = batch.position[r], .active = on_device && random ? 1 : 0};
  }
  const size_t vbytes = static_cast<size_t>(vocab) * sizeof(float);
  if (static_cast<int64_t>(host_rows.size()) < rows) {
    if (ids_dev_.size() < static_cast<size_t>(rows) * 4) {
      ids_dev_ = Alloc(static_cast<size_t>(rows) * 4);
      ids_host_ = DeviceBuffer();
      EnsurePinned(&ids_host_, static_cast<size_t>(rows) * 4);
    }
    cuda::ArgMaxRows(logits, rows, vocab, ids_dev_.data<int32_t>(), stream_);
    if (any_random) {
      const size_t pbytes = static_cast<size_t>(rows) * sizeof(cuda::DeviceSampleRow);
      if (sample_rows_dev_.size() < pbytes) sample_rows_dev_ = Alloc(pbytes);
      CUDA_CHECK(cudaMemcpyAsync(sample_rows_dev_.data(), params, pbytes, cudaMemcpyHostToDevice, stream_));
      cuda::SampleRows(logits, rows, vocab, sample_rows_dev_.data<cuda::DeviceSampleRow>(), ids_dev_.data<int32_t>(),
                       stream_);
    }
    CUDA_CHECK(cudaMemcpyAsync(ids_host_.data(), ids_dev_.data(), static_cast<size_t>(rows) * 4,
                               cudaMemcpyDeviceToHost, stream_));
  }
  if (!host_rows.empty()) {
    EnsurePinned(&rows_host_, host_rows.size() * vbytes);
    for (size_t i = 0; i < host_rows.size(); ++i)
      CUDA_CHECK(cudaMemcpyAsync(rows_host_.data() + i * vbytes,
                                 reinterpret_cast<const std::byte*>(logits) + host_rows[i] * vbytes, vbytes,
                                 cudaMemcpyDeviceToHost, stream_));
  }
  CUDA_CHECK(cudaStreamSynchronize(stream_));
  if (static_cast<int64_t>(host_rows.size()) < rows) {
    const int32_t* ids = ids_host_.data<int32_t>();
    for (int64_t r = 0; r < rows; ++r) out[r] = SampleOutput{.token_id = ids[r]};
  }
  if (host_rows.empty()) return;
  if (!sampler_ || sampler_->vocab_size() != vocab) sampler_ = std::make_unique<Sampler>(vocab, &pool_);
  host_batch_.Clear();
  host_batch_.eos_ids = batch.eos_ids;
  for (int64_t r : host_rows) host_batch_.Add(*batch.params[r], *batch.states[r], batch.allowed[r]);
  host_out_.assign(host_rows.size(), SampleOutput{});
  sampler_->SampleBatch(rows_host_.data<float>(), host_batch_, host_out_);
  for (size_t i = 0; i < host_rows.size(); ++i) out[host_rows[i]] = std::move(host_out_[i]);
}

}  // namespace

int CudaDeviceCount() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no driver" error
    return 0;
  }
  return n;
}

Result<std::unique_ptr<Backend>> MakeCudaBackend(const BackendOptions& opts) {
  int n = 0;
  const cudaError_t err = cudaGetDeviceCount(&n);
  if (err != cudaSuccess || n == 0) {
    cudaGetLastError();
    return Unimplemented(std::string("--device cuda: no usable CUDA device (") +
                         (err != cudaSuccess ? cudaGetErrorString(err) : "0 devices") + ")");
  }
  cudaDeviceProp prop{};
  if (const cudaError_t e = cudaGetDeviceProperties(&prop, 0); e != cudaSuccess)
    return Unimplemented(std::string("--device cuda: ") + cudaGetErrorString(e));
  if (prop.major != 9)
    return Unimplemented("--device cuda: " + std::string(prop.name) + " is sm_" + std::to_string(prop.major) +
                         std::to_string(prop.minor) + "; this build's kernels are sm_90a (H100/H200) only");
  return std::unique_ptr<Backend>(new CudaBackend(0, opts.num_threads));
}

}  // namespace vllm
