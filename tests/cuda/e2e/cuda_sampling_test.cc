// CudaBackend::Sample against CpuBackend::Sample on the same logits (every sampler feature:
// greedy and random draws on the device, rows with logprobs or logit edits through the CPU
// sampler on copied rows), and greedy decoding
// of the Qwen3-0.6B-8bit dummy preset on CUDA against the CPU backend.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/cuda/cuda_backend.h"
#include "model/model.h"
#include "model/presets.h"
#include "runner/model_runner.h"

namespace vllm {
namespace {

std::unique_ptr<Backend> Cuda() {
  auto b = MakeCudaBackend({.device = Device::kCuda, .num_threads = 4});
  CHECK(b.ok()) << b.status().message();
  return std::move(b).value();
}

TEST(CudaSamplingTest, SameOutputsAsCpuSampler) {
  const int64_t V = 5003;
  std::vector<SamplingParams> params(8);
  params[0].temperature = 0;                      // device greedy
  params[1].temperature = 0, params[1].logprobs = 5;  // greedy + logprobs: host
  params[2].temperature = 0.8f, params[2].top_k = 40, params[2].seed = 7;
  params[3].temperature = 1.1f, params[3].top_p = 0.9f, params[3].min_p = 0.02f, params[3].seed = 8;
  params[4].temperature = 0, params[4].repetition_penalty = 1.3f, params[4].frequency_penalty = 0.5f;
  params[5].temperature = 0, params[5].logit_bias = {{17, 30.f}, {4, -100.f}};
  params[6].temperature = 0.7f, params[6].min_tokens = 3, params[6].logprobs = 3, params[6].seed = 9;
  params[7].temperature = 0;  // device greedy, a tie planted below
  const std::vector<int32_t> prompt = {17, 17, 99, 4, 1234};
  std::vector<SequenceSamplerState> states;
  for (size_t i = 0; i < params.size(); ++i) {
    states.push_back(SequenceSamplerState::Create(params[i], prompt, 1000 + i));
    states.back().Append(99);
    states.back().Append(17);
  }
  const std::vector<int32_t> eos = {0, 5};
  SamplingBatch batch;
  batch.eos_ids = eos;
  for (size_t i = 0; i < params.size(); ++i) batch.Add(params[i], states[i]);
  std::mt19937 rng(3);
  std::normal_distribution<float> nd(0.f, 3.f);
  std::vector<float> logits(params.size() * V);
  for (auto& x : logits) x = nd(rng);
  logits[7 * V + 10] = logits[7 * V + 20] = 50.f;  // tie: the lower id wins
  logits[0 * V + 5] = 40.f;                         // an EOS id as the plain greedy winner

  CpuBackend cpu(2);
  std::vector<float> host = logits;
  std::vector<SampleOutput> want(params.size()), got(params.size());
  cpu.Sample(host.data(), V, batch, want);

  auto cuda = Cuda();
  DeviceBuffer d = cuda->Alloc(logits.size() * sizeof(float));
  cuda->CopyToDevice(d.data(), logits.data(), logits.size() * sizeof(float));
  cuda->Sample(d.data<float>(), V, batch, got);
  for (size_t r = 0; r < params.size(); ++r) {
    EXPECT_EQ(got[r].token_id, want[r].token_id) << "row " << r;
    EXPECT_EQ(std::isnan(got[r].logprob), std::isnan(want[r].logprob)) << "row " << r;
    if (!std::isnan(want[r].logprob)) {
      EXPECT_EQ(got[r].logprob, want[r].logprob) << "row " << r;
    }
    EXPECT_EQ(got[r].top_logprobs, want[r].top_logprobs) << "row " << r;
  }
  EXPECT_EQ(got[7].token_id, 10);
  EXPECT_EQ(got[0].token_id, 5);
}

// The device's random draw (SampleRows) against the CPU sampler on the same logits, over
// vocab sizes 1, odd, small and the Qwen3 vocabulary, every filter alone and combined, several
// temperatures and (seed, position) pairs, rows with -inf entries, an all -inf row and a NaN
// row (both fall back to argmax). Both draw over ascending ids with the same Philox number,
// so the tokens are equal (a boundary within the samplers' ~1e-6 sum error would show here).
TEST(CudaSamplingTest, DeviceRandomDrawMatchesCpuSweep) {
  auto cuda = Cuda();
  CpuBackend cpu(2);
  std::mt19937 rng(17);
  int rows_checked = 0;
  for (int64_t V : {1, 7, 300, 5003, 151936}) {
    std::vector<SamplingParams> params;
    for (float t : {0.3f, 0.7f, 1.0f, 1.6f})
      for (int32_t k : {0, 1, 5, 40, 1000})
        for (float tp : {1.0f, 0.9f, 0.5f})
          for (float mp : {0.0f, 0.05f}) {
            SamplingParams p;
            p.temperature = t, p.top_k = k, p.top_p = tp, p.min_p = mp;
            p.seed = rng();
            params.push_back(p);
          }
    const int64_t R = static_cast<int64_t>(params.size());
    std::vector<SequenceSamplerState> states;
    const std::vector<int32_t> prompt = {0, 0, 0};
    for (int64_t r = 0; r < R; ++r) {
      states.push_back(SequenceSamplerState::Create(params[r], prompt, params[r].seed.value_or(0)));
      for (int64_t i = 0; i < r % 5; ++i) states.back().Append(static_cast<int32_t>(i % V));  // positions vary
    }
    SamplingBatch batch;
    for (int64_t r = 0; r < R; ++r) batch.Add(params[r], states[r]);
    std::vector<float> logits(static_cast<size_t>(R * V));
    std::normal_distribution<float> nd(0.f, 2.5f);
    for (auto& x : logits) x = nd(rng);
    for (int64_t r = 0; r < R; r += 7) logits[r * V + (r % V)] = -INFINITY;  // masked entries
    if (R > 3 && V > 1) {
      for (int64_t j = 0; j < V; ++j) logits[2 * V + j] = -INFINITY;  // no mass: argmax fallback
      logits[3 * V + V / 2] = NAN;                                     // NaN in the row
    }
    std::vector<float> host = logits;
    std::vector<SampleOutput> want(R), got(R);
    cpu.Sample(host.data(), V, batch, want);
    DeviceBuffer d = cuda->Alloc(logits.size() * sizeof(float));
    cuda->CopyToDevice(d.data(), logits.data(), logits.size() * sizeof(float));
    cuda->Sample(d.data<float>(), V, batch, got);
    int mismatches = 0;
    for (int64_t r = 0; r < R; ++r) {
      if (got[r].token_id != want[r].token_id && ++mismatches <= 5)
        ADD_FAILURE() << "V " << V << " row " << r << " T " << params[r].temperature << " top_k "
                      << params[r].top_k << " top_p " << params[r].top_p << " min_p " << params[r].min_p
                      << ": device " << got[r].token_id << ", cpu " << want[r].token_id;
      ASSERT_GE(got[r].token_id, 0);
      ASSERT_LT(got[r].token_id, V);
    }
    rows_checked += static_cast<int>(R);
    std::printf("[ e2e ] device sampling V=%-6lld rows %lld, %d differ from the CPU sampler\n",
                static_cast<long long>(V), static_cast<long long>(R), mismatches);
  }
  EXPECT_GT(rows_checked, 500);
}

// Top-1 and top-2 of a logits row.
struct Top2 {
  int32_t id = -1;
  float first = -INFINITY, second = -INFINITY;
};
Top2 TopTwo(std::span<const float> row) {
  Top2 t;
  for (size_t j = 0; j < row.size(); ++j) {
    if (row[j] > t.first) {
      t.second = t.first, t.first = row[j], t.id = static_cast<int32_t>(j);
    } else if (row[j] > t.second) {
      t.second = row[j];
    }
  }
  return t;
}

// Greedy tokens (host argmax of the logits) for a prompt and `steps` decode steps.
std::vector<Top2> Greedy(Model& model, const std::vector<int32_t>& prompt, int steps) {
  const int64_t bs = 16, blocks = (static_cast<int64_t>(prompt.size()) + steps) / bs + 1;
  ModelRunner runner(&model, {.block_size = bs, .num_blocks = blocks, .kv_dtype = DType::kBF16});
  std::vector<int32_t> table(blocks);
  for (int64_t i = 0; i < blocks; ++i) table[i] = static_cast<int32_t>(i);
  BatchInputs in;
  in.Begin(static_cast<int32_t>(blocks));
  in.AddSequence(prompt, 0, table, bs, true);
  std::vector<Top2> out;
  out.push_back(TopTwo(runner.Logits(in)));
  for (int s = 1; s < steps; ++s) {
    in.Begin(static_cast<int32_t>(blocks));
    const int32_t token = out.back().id;
    in.AddSequence({&token, 1}, static_cast<int64_t>(prompt.size()) + s - 1, table, bs, true);
    out.push_back(TopTwo(runner.Logits(in)));
  }
  return out;
}

// The dummy Qwen3-0.6B-8bit preset (28 layers, vocab 151,936, tied 8-bit embeddings): CUDA
// greedy == CPU greedy for 40 tokens, or the first divergence is a near tie on the CPU
// (top-2 margin under 1% of the top logit) and is reported with both margins.
TEST(CudaSamplingTest, PresetGreedyMatchesCpu) {
  const Preset* preset = FindPreset("mlx-community/Qwen3-0.6B-8bit");
  ASSERT_NE(preset, nullptr);
  auto cfg = ParseModelConfig(preset->config_json);
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  std::vector<int32_t> prompt(24);
  std::mt19937 rng(11);
  for (auto& t : prompt) t = static_cast<int32_t>(rng() % 150000);
  const int steps = 40;
  std::vector<Top2> gpu, cpu;
  {
    auto m = CreateDummyModelOn(Cuda(), *cfg, 64, 42);
    ASSERT_TRUE(m.ok()) << m.status().message();
    gpu = Greedy(**m, prompt, steps);
  }
  {
    auto m = CreateDummyModelOn(std::make_unique<CpuBackend>(0), *cfg, 64, 42);
    ASSERT_TRUE(m.ok()) << m.status().message();
    cpu = Greedy(**m, prompt, steps);
  }
  int same = 0;
  for (; same < steps && gpu[same].id == cpu[same].id; ++same) {
  }
  std::printf("[ e2e ] Qwen3-0.6B-8bit dummy greedy: %d/%d tokens equal\n", same, steps);
  for (int s = 0; s < std::min(steps, same + 1); ++s)
    std::printf("  step %2d cpu %6d (margin %.4f, top %.3f)  cuda %6d (margin %.4f, top %.3f)\n", s, cpu[s].id,
                cpu[s].first - cpu[s].second, cpu[s].first, gpu[s].id, gpu[s].first - gpu[s].second, gpu[s].first);
  if (same < steps) {
    const Top2& c = cpu[same];
    EXPECT_LT(c.first - c.second, 1e-2f * std::abs(c.first))
        << "CUDA diverged at step " << same << " where the CPU's choice was not a near tie";
  }
}

}  // namespace
}  // namespace vllm
