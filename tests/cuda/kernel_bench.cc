// Kernel benchmark (not a test): GB/s of the decode matmuls at the seed models' shapes and of
// paged attention at 4k context x 64 sequences, each against the device-to-device copy
// bandwidth measured in the same run (bytes read + written / time). Timings are CUDA events
// around graph replays of 50 launches, median of 7 replays; weights rotate over copies that
// together exceed the L2, so every launch reads HBM. Usage: cuda_bench [--quick]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

#include "kernels/cuda/cuda_ops.h"
#include "paged_batch.h"
#include "test_data.h"

namespace cuda_test {
namespace {

using vllm::DType;

constexpr int kLaunchesPerGraph = 50;
constexpr int kReplays = 7;

// Median time of one launch of `body(i)` (i = launch index), via a captured graph.
double TimeUs(const std::function<void(int, cudaStream_t)>& body) {
  cudaStream_t s;
  CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  for (int i = 0; i < 3; ++i) body(i, s);  // warm-up (module load, caches of the host side)
  CUDA_CHECK(cudaStreamSynchronize(s));
  cudaGraph_t g;
  cudaGraphExec_t ge;
  CUDA_CHECK(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal));
  for (int i = 0; i < kLaunchesPerGraph; ++i) body(i, s);
  CUDA_CHECK(cudaStreamEndCapture(s, &g));
  CUDA_CHECK(cudaGraphInstantiate(&ge, g, 0));
  cudaEvent_t a, b;
  CUDA_CHECK(cudaEventCreate(&a));
  CUDA_CHECK(cudaEventCreate(&b));
  CUDA_CHECK(cudaGraphLaunch(ge, s));
  std::vector<double> t;
  for (int r = 0; r < kReplays; ++r) {
    CUDA_CHECK(cudaEventRecord(a, s));
    CUDA_CHECK(cudaGraphLaunch(ge, s));
    CUDA_CHECK(cudaEventRecord(b, s));
    CUDA_CHECK(cudaEventSynchronize(b));
    float ms;
    CUDA_CHECK(cudaEventElapsedTime(&ms, a, b));
    t.push_back(ms * 1e3 / kLaunchesPerGraph);
  }
  CUDA_CHECK(cudaGraphExecDestroy(ge));
  CUDA_CHECK(cudaGraphDestroy(g));
  CUDA_CHECK(cudaEventDestroy(a));
  CUDA_CHECK(cudaEventDestroy(b));
  CUDA_CHECK(cudaStreamDestroy(s));
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

double CopyGBs() {
  const size_t bytes = size_t{1} << 31;
  DeviceArray<uint8_t> src(bytes), dst(bytes);
  const double us = TimeUs([&](int, cudaStream_t s) {
    CUDA_CHECK(cudaMemcpyAsync(dst.get(), src.get(), bytes, cudaMemcpyDeviceToDevice, s));
  });
  return 2.0 * bytes / us / 1e3;
}

struct Row {
  std::string name;
  double bytes, us;
};
std::vector<Row> g_rows;

// Jobs sharing one x (one row for q|k|v); `rows` per job, all `cols` wide, m tokens, all decode
// rows (the GEMV) or all prompt rows (tensor cores).
void BenchMatMul(const std::string& name, const std::vector<int64_t>& rows, int64_t cols, int bits, int64_t m,
                 std::mt19937& rng, bool decode = true) {
  std::vector<HostMatrix> hs;
  double bytes = 0;
  for (int64_t r : rows) {
    hs.push_back(RandomQuantized(r, cols, bits, 64, DType::kBF16, rng));
    bytes += static_cast<double>(hs.back().StoredBytes());
  }
  const int copies = static_cast<int>(std::clamp(std::ceil(512e6 / bytes), 1.0, 64.0));
  std::vector<std::vector<DeviceMatrix>> sets(copies);
  for (auto& set : sets)
    for (auto& h : hs) set.emplace_back(h);
  DeviceArray<float> x(RandomFloats(m * cols, rng));
  std::vector<DeviceArray<float>> ys;
  for (int64_t r : rows) ys.emplace_back(static_cast<size_t>(m * r));
  const double us = TimeUs([&](int i, cudaStream_t s) {
    std::vector<vllm::cuda::MatMulJob> jobs;
    for (size_t j = 0; j < rows.size(); ++j) jobs.push_back({&sets[i % copies][j].view(), ys[j].get()});
    vllm::cuda::MatMulShared(jobs.data(), static_cast<int>(jobs.size()), x.get(), m, decode ? m : 0,
                             reinterpret_cast<vllm::cuda::Stream>(s));
  });
  g_rows.push_back({name + (decode ? " decode" : " prompt") + " m=" + std::to_string(m), bytes, us});
}

// Decode attention: `seqs` sequences of `ctx` tokens, bf16 cache, block 16, shuffled blocks.
void BenchAttention(const std::string& name, int64_t H, int64_t KVH, int64_t D, int32_t ctx, int32_t seqs,
                    std::mt19937& rng) {
  const int64_t bs = 16, blocks_per_seq = (ctx + bs - 1) / bs, blocks = blocks_per_seq * seqs;
  const size_t cache_bytes = static_cast<size_t>(blocks * bs * KVH * D * 2);
  DeviceArray<uint8_t> kc(cache_bytes), vc(cache_bytes);
  {
    std::vector<uint8_t> fill(cache_bytes);
    for (size_t i = 0; i < cache_bytes; i += 2) {  // bf16 in [-1, 1): no NaN/inf patterns
      const uint16_t h = static_cast<uint16_t>(0x3C00 + (rng() & 0x3FF)) | ((rng() & 1) << 15);
      std::memcpy(&fill[i], &h, 2);
    }
    kc.Upload(fill);
    vc.Upload(fill);
  }
  std::vector<int32_t> perm(blocks);
  std::iota(perm.begin(), perm.end(), 0);
  std::shuffle(perm.begin(), perm.end(), rng);
  HostBatch b;
  b.block_table_stride = static_cast<int32_t>(blocks_per_seq);
  for (int32_t s = 0; s < seqs; ++s) {
    b.AddToken(s, ctx - 1, static_cast<int64_t>(perm[s * blocks_per_seq + (ctx - 1) / bs]) * bs + (ctx - 1) % bs);
    b.query_start.push_back(s + 1);
    b.seq_lens.push_back(ctx);
    b.block_tables.insert(b.block_tables.end(), perm.begin() + s * blocks_per_seq,
                          perm.begin() + (s + 1) * blocks_per_seq);
  }
  const DeviceBatch db(b);
  const vllm::AttentionShape shape{.num_heads = H, .num_kv_heads = KVH, .head_dim = D, .block_size = bs,
                                   .scale = 1.f / std::sqrt(static_cast<float>(D))};
  DeviceArray<float> q(RandomFloats(seqs * H * D, rng)), out(seqs * H * D);
  DeviceArray<uint8_t> scratch(vllm::cuda::PagedAttentionScratchBytes(seqs, shape));
  const double us = TimeUs([&](int, cudaStream_t s) {
    vllm::cuda::PagedAttention(q.get(), {kc.get(), vc.get(), DType::kBF16}, db.view(), shape, out.get(),
                               scratch.get(), scratch.size(), reinterpret_cast<vllm::cuda::Stream>(s));
  });
  g_rows.push_back({name, 2.0 * seqs * ctx * KVH * D * 2, us});
}

}  // namespace
}  // namespace cuda_test

int main(int argc, char** argv) {
  using namespace cuda_test;
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  cudaDeviceProp p;
  CUDA_CHECK(cudaGetDeviceProperties(&p, 0));
  int driver = 0;
  CUDA_CHECK(cudaDriverGetVersion(&driver));
  std::printf("device: %s, %d SMs, %.0f MB L2, driver %d\n", p.name, p.multiProcessorCount, p.l2CacheSize / 1e6,
              driver);
  const double copy = CopyGBs();
  std::printf("copy bandwidth (D2D, read+write): %.0f GB/s\n", copy);
  std::mt19937 rng(7);
  // Qwen3-0.6B-8bit: H 1024, 16 q heads / 8 kv heads of 128, I 3072, vocab 151936.
  BenchMatMul("qwen3-0.6b 8bit qkv 1024->2048|1024|1024", {2048, 1024, 1024}, 1024, 8, 1, rng);
  BenchMatMul("qwen3-0.6b 8bit gate|up 1024->3072x2", {3072, 3072}, 1024, 8, 1, rng);
  BenchMatMul("qwen3-0.6b 8bit down 3072->1024", {1024}, 3072, 8, 1, rng);
  BenchMatMul("qwen3-0.6b 8bit lm_head 1024->151936", {151936}, 1024, 8, 1, rng);
  // Llama-3.2-1B-4bit: H 2048, 32/8 heads of 64, I 8192, vocab 128256.
  BenchMatMul("llama-1b 4bit qkv 2048->2048|512|512", {2048, 512, 512}, 2048, 4, 1, rng);
  BenchMatMul("llama-1b 4bit gate|up 2048->8192x2", {8192, 8192}, 2048, 4, 1, rng);
  BenchMatMul("llama-1b 4bit down 8192->2048", {2048}, 8192, 4, 1, rng);
  BenchMatMul("llama-1b 4bit lm_head 2048->128256", {128256}, 2048, 4, 1, rng);
  // Llama-3.2-3B-4bit: H 3072, 24/8 heads of 128, I 8192.
  BenchMatMul("llama-3b 4bit qkv 3072->3072|1024|1024", {3072, 1024, 1024}, 3072, 4, 1, rng);
  BenchMatMul("llama-3b 4bit gate|up 3072->8192x2", {8192, 8192}, 3072, 4, 1, rng);
  BenchMatMul("llama-3b 4bit down 8192->3072", {3072}, 8192, 4, 1, rng);
  if (!quick) {
    // Decode batches (GEMV token tiles) and prompt rows (tensor cores) on the largest matrices.
    for (int64_t m : {2, 4, 8, 16, 64, 256}) {
      for (bool decode : {true, false}) {
        if (decode && m > 64) continue;
        BenchMatMul("qwen3-0.6b 8bit lm_head 1024->151936", {151936}, 1024, 8, m, rng, decode);
        BenchMatMul("llama-3b 4bit gate|up 3072->8192x2", {8192, 8192}, 3072, 4, m, rng, decode);
      }
    }
  }
  BenchAttention("attention decode ctx 4096 x 64 seqs, 16/8 heads x 128 (qwen3-0.6b)", 16, 8, 128, 4096, 64, rng);
  BenchAttention("attention decode ctx 4096 x 64 seqs, 32/8 heads x 64 (llama-1b)", 32, 8, 64, 4096, 64, rng);
  BenchAttention("attention decode ctx 4096 x 1 seq, 16/8 heads x 128", 16, 8, 128, 4096, 1, rng);
  std::printf("\n%-72s %10s %9s %8s %7s\n", "kernel", "MB", "us", "GB/s", "/copy");
  for (const auto& r : g_rows)
    std::printf("%-72s %10.1f %9.2f %8.0f %6.0f%%\n", r.name.c_str(), r.bytes / 1e6, r.us, r.bytes / r.us / 1e3,
                100.0 * r.bytes / r.us / 1e3 / copy);
  return 0;
}
