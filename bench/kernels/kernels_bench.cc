// Kernel micro-benchmarks (issue #7): GB/s of the decode GEMV per weight format next to a
// read-bandwidth probe, GFLOP/s of the prefill GEMM, paged attention at context 128/1K/8K.
// Weights are random (speed does not depend on values) and larger than the last-level cache
// unless the shape says otherwise, so the GEMV numbers are DRAM numbers.
//   build/vllm_kernel_bench --benchmark_filter=Gemv   (VLLM_CPP_SIMD=scalar|avx2|avx512 to A/B)
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <numeric>
#include <random>
#include <vector>

#include "bench/hardware.h"
#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/cpu_ops.h"
#include "kernels/owned_matrix.h"
#include "runner/batch_inputs.h"
#include "sampler/sampler.h"
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

// bits 0 = dense bf16, -1 = dense f32, -2 = dense f16, -10 - q = GGUF block format q
// (BlockQuant: -15 Q8_0, -18 Q4_K, -20 Q6_K, -13 Q5_0).
OwnedMatrix MakeWeights(int64_t rows, int64_t cols, int bits) {
  std::mt19937 rng(7);
  OwnedMatrix w;
  w.rows = rows;
  w.cols = cols;
  if (bits <= -10) {
    w.block = static_cast<BlockQuant>(-10 - bits);
    const size_t n = static_cast<size_t>(rows) * w.RowBytes();
    uint8_t* data = w.Own<uint8_t>(&WeightMatrix::data, n);
    for (size_t i = 0; i < n; ++i) data[i] = static_cast<uint8_t>(rng());
    // Finite f16 scales: every 16-bit word that decodes to inf / nan becomes 0.01.
    for (size_t i = 0; i + 1 < n; i += 2) {
      uint16_t h;
      std::memcpy(&h, data + i, 2);
      if (((h >> 10) & 0x1f) == 0x1f) h = F32ToF16(0.01f), std::memcpy(data + i, &h, 2);
    }
    return w;
  }
  if (bits > 0) {
    w.quantized = true;
    w.bits = bits;
    w.group_size = 64;
    uint32_t* codes = w.Own<uint32_t>(&WeightMatrix::data, rows * w.words_per_row() * 4);
    for (int64_t i = 0; i < rows * w.words_per_row(); ++i) codes[i] = rng();
    const int64_t g = rows * w.groups_per_row();
    w.scale_dtype = DType::kBF16;  // as MLX stores them for bf16 models
    uint16_t* sc = w.Own<uint16_t>(&WeightMatrix::scales, g * 2);
    uint16_t* bi = w.Own<uint16_t>(&WeightMatrix::biases, g * 2);
    for (int64_t i = 0; i < g; ++i) sc[i] = F32ToBf16(0.01f), bi[i] = F32ToBf16(-0.5f);
    return w;
  }
  w.dtype = bits == -1 ? DType::kF32 : bits == -2 ? DType::kF16 : DType::kBF16;
  std::byte* data = w.Own<std::byte>(&WeightMatrix::data, rows * cols * DTypeSize(w.dtype));
  for (int64_t i = 0; i < rows * cols; ++i) {
    const float v = static_cast<float>(rng() % 1000) * 1e-3f - 0.5f;
    if (w.dtype == DType::kF32) reinterpret_cast<float*>(data)[i] = v;
    else if (w.dtype == DType::kF16) reinterpret_cast<uint16_t*>(data)[i] = F32ToF16(v);
    else reinterpret_cast<uint16_t*>(data)[i] = F32ToBf16(v);
  }
  return w;
}

// Several copies of the matrix, cycled, so that even small shapes stream from DRAM.
struct WeightSet {
  std::vector<OwnedMatrix> copies;
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
  std::string label(cpu::SimdTargetName(cpu::ActiveSimdTarget()));
  // GGUF Q8_0 / Q4_K: which activations ran (VLLM_CPP_GGUF_ACTIVATIONS=f32 for the exact path).
  if ((bits == -15 || bits == -18) && cpu::GgufInt8Target(cpu::ActiveSimdTarget()))
    label += cpu::GgufInt8Activations() ? " int8-act" : " f32-act";
  state.SetLabel(label);
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

// Gemma 3 270M's GGUF Q4_K_M decode shapes: q (1024x640 Q5_0), o (640x1024 Q4_K), gate/up
// (2048x640 Q5_0), down (640x2048 Q6_K), the tied lm head (262144x640 Q8_0); Q8_0 and Q4_K
// on a Qwen3-0.6B MLP shape for the 80%-of-floor target.
void GemvBlockArgs(benchmark::internal::Benchmark* b) {
  for (int threads : {1, 2}) {
    b->Args({1024, 640, -13, 1, threads});
    b->Args({640, 1024, -18, 1, threads});
    b->Args({2048, 640, -13, 1, threads});
    b->Args({640, 2048, -20, 1, threads});
    b->Args({262144, 640, -15, 1, threads});
    b->Args({3072, 1024, -15, 1, threads});
    b->Args({3072, 1024, -18, 1, threads});
  }
  for (int m : {4, 16, 64}) b->Args({3072, 1024, -18, m, 2});
  b->ArgNames({"rows", "cols", "bits", "m", "threads"})->UseRealTime()->ComputeStatistics("min", MinOf);
}
BENCHMARK(BM_Gemv)->Name("BM_GemvBlock")->Apply(GemvBlockArgs);
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
  std::vector<int32_t> table(blocks);
  std::iota(table.begin(), table.end(), 0);
  BatchInputs in;
  in.Begin(static_cast<int32_t>(blocks));
  const int32_t token = 0;
  in.AddSequence({&token, 1}, ctx - 1, table, bs, false);
  std::vector<float> q(H * D, 0.1f), out(H * D);
  const AttentionShape s{.num_heads = H, .num_kv_heads = KVH, .head_dim = D, .block_size = bs,
                              .scale = 1.0f / std::sqrt(static_cast<float>(D))};
  ThreadPool& pool = Pool(static_cast<int>(state.range(1)));
  for (auto _ : state) {
    cpu::PagedAttention(q.data(), KvLayer{k.data(), v.data(), DType::kBF16, bs}, in.View(), s, out.data(), pool);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * 2 * ctx * KVH * D * 2));
}
BENCHMARK(BM_DecodeAttention)
    ->ArgsProduct({{128, 1024, 8192}, {1, 2}})
    ->ArgNames({"ctx", "threads"})
    ->UseRealTime()->ComputeStatistics("min", MinOf);

// args: rows, threads, mode (0 greedy, 1 temperature 0.8 + top_p 0.95 over the full vocab).
// The engine step's sampling: 64 rows of Qwen3's 151,936-entry vocabulary. threads=1 is how
// the engine sampled before the runner owned it (row after row on one thread).
void BM_SampleBatch(benchmark::State& state) {
  const int64_t rows = state.range(0), vocab = 151936;
  const bool greedy = state.range(2) == 0;
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.f, 3.f);
  std::vector<float> pristine(rows * vocab), logits(pristine.size());
  for (float& x : pristine) x = normal(rng);
  std::vector<SamplingParams> params(rows);
  std::vector<SequenceSamplerState> states(rows);
  SamplingBatch batch;
  for (int64_t r = 0; r < rows; ++r) {
    params[r].temperature = greedy ? 0.f : 0.8f;
    params[r].top_p = greedy ? 1.f : 0.95f;
    states[r].seed = 100 + r;
    batch.Add(params[r], states[r]);
  }
  Sampler sampler(vocab, &Pool(static_cast<int>(state.range(1))));
  std::vector<SampleOutput> out(rows);
  for (auto _ : state) {
    state.PauseTiming();
    std::copy(pristine.begin(), pristine.end(), logits.begin());  // sampling overwrites its rows
    state.ResumeTiming();
    sampler.SampleBatch(logits.data(), batch, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["rows/s"] = benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_SampleBatch)
    ->ArgsProduct({{64}, {1, 2}, {0, 1}})
    ->ArgNames({"rows", "threads", "topp"})
    ->UseRealTime()->Unit(benchmark::kMillisecond)->ComputeStatistics("min", MinOf);

}  // namespace
}  // namespace vllm

BENCHMARK_MAIN();
