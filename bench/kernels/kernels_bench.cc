// Kernel micro-benchmarks (issue #7): GB/s of the decode GEMV per weight format next to a
// read-bandwidth probe, GFLOP/s of the prefill GEMM, paged attention at context 128/1K/8K.
// Weights are random (speed does not depend on values) and larger than the last-level cache
// unless the shape says otherwise, so the GEMV numbers are DRAM numbers.
//   build/vllm_kernel_bench --benchmark_filter=Gemv   (VLLM_CPP_SIMD=scalar|avx2|avx512 to A/B)
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <vector>

#include "bench/hardware.h"
#include "kernels/cpu/dispatch.h"
#include "kernels/ops.h"
#include "util/half.h"

namespace vllm {
namespace {

// Best of the repetitions: on a shared machine the minimum is the run that had the cores to
// itself (run with --benchmark_repetitions=N --benchmark_report_aggregates_only=true).
double MinOf(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

ThreadPool& Pool(int threads) {
  static std::unique_ptr<ThreadPool> pool;
  if (!pool || pool->num_threads() != threads) pool = std::make_unique<ThreadPool>(threads);
  return *pool;
}

// bits 0 = dense bf16, -1 = dense f32, -2 = dense f16.
WeightMatrix MakeWeights(int64_t rows, int64_t cols, int bits) {
  std::mt19937 rng(7);
  WeightMatrix w;
  w.name = "bench";
  w.rows = rows;
  w.cols = cols;
  if (bits > 0) {
    w.quantized = true;
    w.bits = bits;
    w.group_size = 64;
    w.data = AlignedBuffer(rows * w.words_per_row() * 4);
    for (int64_t i = 0; i < rows * w.words_per_row(); ++i) w.data.data<uint32_t>()[i] = rng();
    const int64_t g = rows * w.groups_per_row();
    w.scale_dtype = DType::kBF16;  // as MLX stores them for bf16 models
    w.scales = AlignedBuffer(g * 2);
    w.biases = AlignedBuffer(g * 2);
    for (int64_t i = 0; i < g; ++i)
      w.scales.data<uint16_t>()[i] = F32ToBf16(0.01f), w.biases.data<uint16_t>()[i] = F32ToBf16(-0.5f);
    return w;
  }
  w.dtype = bits == -1 ? DType::kF32 : bits == -2 ? DType::kF16 : DType::kBF16;
  w.data = AlignedBuffer(rows * cols * DTypeSize(w.dtype));
  for (int64_t i = 0; i < rows * cols; ++i) {
    const float v = static_cast<float>(rng() % 1000) * 1e-3f - 0.5f;
    if (w.dtype == DType::kF32) w.data.data<float>()[i] = v;
    else if (w.dtype == DType::kF16) w.data.data<uint16_t>()[i] = F32ToF16(v);
    else w.data.data<uint16_t>()[i] = F32ToBf16(v);
  }
  return w;
}

// Several copies of the matrix, cycled, so that even small shapes stream from DRAM.
struct WeightSet {
  std::vector<WeightMatrix> copies;
  size_t bytes_each = 0;
  WeightSet(int64_t rows, int64_t cols, int bits, bool cache_resident = false) {
    copies.push_back(MakeWeights(rows, cols, bits));
    bytes_each = copies[0].StoredBytes();
    const size_t target = cache_resident ? 0 : size_t{256} << 20;  // well past the 32 MiB L3
    while (bytes_each * copies.size() < target) copies.push_back(MakeWeights(rows, cols, bits));
  }
};

// args: rows, cols, bits, m (tokens), threads
void RunGemv(benchmark::State& state, bool cache_resident) {
  const int64_t rows = state.range(0), cols = state.range(1), m = state.range(3);
  const int bits = static_cast<int>(state.range(2));
  const int threads = static_cast<int>(state.range(4));
  WeightSet ws(rows, cols, bits, cache_resident);
  std::vector<float> x(m * cols, 0.25f), y(m * rows);
  ThreadPool& pool = Pool(threads);
  size_t i = 0;
  for (auto _ : state) {
    cpu::MatMul(ws.copies[i++ % ws.copies.size()], x.data(), m, y.data(), pool);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * ws.bytes_each));
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * rows * cols * m * state.iterations() / 1e9,
                                                 benchmark::Counter::kIsRate);
  state.SetLabel(std::string(cpu::SimdTargetName(cpu::ActiveSimdTarget())));
}
void BM_Gemv(benchmark::State& state) { RunGemv(state, false); }
// The same matrix every time, small enough for L2: the kernel's compute ceiling.
void BM_GemvHot(benchmark::State& state) { RunGemv(state, true); }

void GemvArgs(benchmark::internal::Benchmark* b) {
  // Qwen3-0.6B decode shapes (q/o 2048x1024 / 1024x2048, gate/up 3072x1024, down 1024x3072),
  // the lm_head (151936x1024), Llama-3.2-1B's MLP (gate/up 8192x2048, down 2048x8192).
  for (int bits : {8, 4, 0, -1, -2})
    for (int threads : {1, 2}) {
      b->Args({3072, 1024, bits, 1, threads});
      b->Args({1024, 3072, bits, 1, threads});
    }
  for (int threads : {1, 2}) {
    b->Args({151936, 1024, 8, 1, threads});
    b->Args({8192, 2048, 4, 1, threads});
    b->Args({2048, 8192, 4, 1, threads});
  }
  // Batched decode / prefill: tokens per call.
  for (int bits : {8, 4})
    for (int m : {2, 4, 8, 16, 64, 128}) b->Args({3072, 1024, bits, m, 2});
  b->ArgNames({"rows", "cols", "bits", "m", "threads"})->UseRealTime()->ComputeStatistics("min", MinOf);
}
BENCHMARK(BM_Gemv)->Apply(GemvArgs);
BENCHMARK(BM_GemvHot)
    ->ArgsProduct({{256}, {1024}, {8, 4, 0}, {1, 4, 16}, {1}})
    ->ArgNames({"rows", "cols", "bits", "m", "threads"})
    ->UseRealTime()->ComputeStatistics("min", MinOf);

void BM_ReadBandwidth(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  double gbs = 0;
  for (auto _ : state) gbs = MeasureReadBandwidth(threads, int64_t{512} << 20, 3);
  state.counters["GB/s"] = gbs;
}
BENCHMARK(BM_ReadBandwidth)->Arg(1)->Arg(2)->ArgName("threads")->Iterations(1)->UseRealTime()->ComputeStatistics("min", MinOf);

// args: context, threads. Qwen3-0.6B attention: 16 query heads, 8 KV heads, head_dim 128,
// bf16 cache, one decoding sequence.
void BM_DecodeAttention(benchmark::State& state) {
  const int64_t ctx = state.range(0), H = 16, KVH = 8, D = 128, bs = 16;
  const int64_t blocks = (ctx + bs - 1) / bs;
  std::vector<uint16_t> k(blocks * bs * KVH * D, F32ToBf16(0.01f)), v(k.size(), F32ToBf16(0.5f));
  BatchInputs in;
  in.token_ids = {0};
  in.positions = {static_cast<int32_t>(ctx - 1)};
  in.slot_mapping = {ctx - 1};
  in.query_start = {0, 1};
  in.seq_lens = {static_cast<int32_t>(ctx)};
  in.max_blocks_per_seq = static_cast<int32_t>(blocks);
  for (int64_t b = 0; b < blocks; ++b) in.block_tables.push_back(static_cast<int32_t>(b));
  std::vector<float> q(H * D, 0.1f), out(H * D);
  const cpu::AttentionShape s{.num_heads = H, .num_kv_heads = KVH, .head_dim = D, .block_size = bs,
                              .scale = 1.0f / std::sqrt(static_cast<float>(D))};
  ThreadPool& pool = Pool(static_cast<int>(state.range(1)));
  for (auto _ : state) {
    cpu::PagedAttention(q.data(), KvLayer{k.data(), v.data(), DType::kBF16}, in, s, out.data(), pool);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * 2 * ctx * KVH * D * 2));
}
BENCHMARK(BM_DecodeAttention)
    ->ArgsProduct({{128, 1024, 8192}, {1, 2}})
    ->ArgNames({"ctx", "threads"})
    ->UseRealTime()->ComputeStatistics("min", MinOf);

}  // namespace
}  // namespace vllm

BENCHMARK_MAIN();
