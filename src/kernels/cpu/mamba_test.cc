// The CPU state-space kernels (cpu/mamba.cc) against the naive double references
// (ref/ref_mamba.cc), swept over shapes (tiny, odd, Nemotron-Nano-sized heads), chunk lengths (1
// = decode, odd, long) and batches of sequences that start fresh or continue from their slot.
// Fresh sequences' slots hold garbage first: the kernels must ignore it. A whole sequence run
// in chunks through the CPU kernels must equal one reference pass (state carried in the slot).
// Errors are relative (||ours - ref|| / ||ref||); inputs are never zero.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/ref/ref_mamba.h"

namespace vllm {
namespace {

double RelErr(const std::vector<float>& got, const std::vector<double>& want) {
  double num = 0, den = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    num += (got[i] - want[i]) * (got[i] - want[i]);
    den += want[i] * want[i];
  }
  EXPECT_GT(den, 0.0) << "reference is all zeros: the test would prove nothing";
  return std::sqrt(num / den);
}

std::vector<float> Random(size_t n, std::mt19937& rng, float lo = -1.f, float hi = 1.f) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

struct Layer {
  MambaShape shape;
  std::vector<float> conv_w, conv_b, A, dt_bias, D;
  MambaParams params() const {
    return {.conv_weight = conv_w.data(), .conv_bias = conv_b.empty() ? nullptr : conv_b.data(), .A = A.data(),
            .dt_bias = dt_bias.data(), .D = D.data()};
  }
};

Layer MakeLayer(MambaShape s, bool bias, std::mt19937& rng) {
  Layer l{.shape = s};
  const float a = std::sqrt(3.f / static_cast<float>(s.conv_kernel));
  l.conv_w = Random(s.conv_dim() * s.conv_kernel, rng, -a, a);
  if (bias) l.conv_b = Random(s.conv_dim(), rng, -0.3f, 0.3f);
  l.A = Random(s.num_heads, rng, -1.6f, -0.2f);
  l.dt_bias = Random(s.num_heads, rng, -2.f, 0.f);
  l.D = Random(s.num_heads, rng, 0.5f, 1.5f);
  return l;
}

// One step's batch: per sequence a chunk of `len` tokens starting at `start`, in slot `slot`.
struct Batch {
  std::vector<int32_t> positions, query_start{0}, slots;
  BatchView View() const {
    BatchView b;
    b.positions = positions.data();
    b.query_start = query_start.data();
    b.state_slots = slots.data();
    b.num_seqs = static_cast<int32_t>(slots.size());
    b.num_tokens = query_start.back();
    return b;
  }
  void Add(int32_t start, int32_t len, int32_t slot) {
    for (int32_t i = 0; i < len; ++i) positions.push_back(start + i);
    query_start.push_back(query_start.back() + len);
    slots.push_back(slot);
  }
};

const MambaShape kShapes[] = {
    {.num_heads = 2, .head_dim = 4, .num_groups = 1, .state_size = 3, .conv_kernel = 4},
    {.num_heads = 6, .head_dim = 5, .num_groups = 3, .state_size = 7, .conv_kernel = 2},
    {.num_heads = 8, .head_dim = 16, .num_groups = 2, .state_size = 16, .conv_kernel = 4},
    {.num_heads = 4, .head_dim = 64, .num_groups = 2, .state_size = 128, .conv_kernel = 4},  // Nano heads
};

// Each sequence: its whole token stream (raw in_proj rows), consumed chunk by chunk over
// several steps, several sequences per step. The reference runs each sequence in one pass.
TEST(MambaKernelTest, ChunkedBatchesEqualOnePassReference) {
  CpuBackend cpu(3);
  std::mt19937 rng(11);
  for (const MambaShape& s : kShapes) {
    for (const bool bias : {true, false}) {
      const Layer layer = MakeLayer(s, bias, rng);
      const int64_t C = s.conv_dim(), H = s.num_heads, I = s.inner(), row = I + C + H;
      const std::vector<int32_t> lengths = {1, 7, 64, 301};
      const int num_seqs = static_cast<int>(lengths.size()), num_slots = num_seqs + 2;
      std::vector<std::vector<float>> rows(num_seqs);  // [len, row] per sequence
      for (int q = 0; q < num_seqs; ++q) rows[q] = Random(lengths[q] * row, rng, -2.f, 2.f);
      // Slots hold garbage: fresh sequences must not read it. Sequence q uses slot q + 1.
      std::vector<float> slab = Random(num_slots * s.slot_floats(), rng, -5.f, 5.f);
      const MambaState state{.base = slab.data(), .slot_floats = s.slot_floats()};
      std::vector<std::vector<float>> conv_got(num_seqs), y_got(num_seqs), z(num_seqs);
      const int32_t chunks[] = {1, 5, 64, 3, 500};
      std::vector<int32_t> done(num_seqs, 0);
      for (int step = 0;; ++step) {
        Batch b;
        std::vector<int> who;
        for (int q = 0; q < num_seqs; ++q) {
          const int32_t n = std::min(chunks[(step + q) % 5], lengths[q] - done[q]);
          if (n <= 0) continue;
          b.Add(done[q], n, q + 1);
          who.push_back(q);
        }
        if (who.empty()) break;
        const int32_t T = b.query_start.back();
        std::vector<float> in(T * row), u(T * C), y(T * I), normed(T * I);
        for (size_t k = 0; k < who.size(); ++k) {
          const int q = who[k];
          std::copy_n(rows[q].begin() + done[q] * row, (b.query_start[k + 1] - b.query_start[k]) * row,
                      in.begin() + b.query_start[k] * row);
        }
        const BatchView v = b.View();
        cpu.CausalConv1d(in.data() + I, row, v, s, layer.params(), state, u.data());
        cpu.SsmScan(u.data(), in.data() + I + C, row, v, s, layer.params(), state, y.data());
        for (size_t k = 0; k < who.size(); ++k) {
          const int q = who[k];
          const int32_t q0 = b.query_start[k], q1 = b.query_start[k + 1];
          conv_got[q].insert(conv_got[q].end(), u.begin() + q0 * C, u.begin() + q1 * C);
          y_got[q].insert(y_got[q].end(), y.begin() + q0 * I, y.begin() + q1 * I);
          done[q] += q1 - q0;
        }
      }
      for (int q = 0; q < num_seqs; ++q) {
        const int32_t n = lengths[q];
        std::vector<float> xbc(n * C), dt(n * H);
        for (int32_t t = 0; t < n; ++t) {
          std::copy_n(rows[q].begin() + t * row + I, C, xbc.begin() + t * C);
          std::copy_n(rows[q].begin() + t * row + I + C, H, dt.begin() + t * H);
        }
        std::vector<double> conv_state((s.conv_kernel - 1) * C, 0.0), S(s.ssm_state_floats(), 0.0);
        const std::vector<double> u_ref = ref::CausalConv1d(xbc, n, s, layer.conv_w, layer.conv_b, conv_state);
        // The scan's reference reads the CPU conv output (rounded to f32), as the model does.
        const std::vector<double> y_ref = ref::SsmScan(conv_got[q], dt, n, s, layer.A, layer.dt_bias, layer.D,
                                                       0.0, INFINITY, S);
        const std::string what = "H" + std::to_string(s.num_heads) + " P" + std::to_string(s.head_dim) + " N" +
                                 std::to_string(s.state_size) + " K" + std::to_string(s.conv_kernel) + " len " +
                                 std::to_string(n) + (bias ? " bias" : "");
        EXPECT_LT(RelErr(conv_got[q], u_ref), 1e-5) << "conv " << what;
        EXPECT_LT(RelErr(y_got[q], y_ref), 1e-4) << "scan " << what;
        // The slot ends holding the reference's final states.
        const float* st = state.conv(q + 1);
        EXPECT_LT(RelErr(std::vector<float>(st, st + conv_state.size()), conv_state), 1e-6) << "conv state " << what;
        const float* ss = state.ssm(q + 1, s);
        EXPECT_LT(RelErr(std::vector<float>(ss, ss + S.size()), S), 1e-4) << "ssm state " << what;
      }
    }
  }
}

// dt clip (time_step_limit) and a decode step continuing a non-zero state.
TEST(MambaKernelTest, TimeStepLimitClipsDt) {
  CpuBackend cpu(2);
  std::mt19937 rng(5);
  const MambaShape s{.num_heads = 4, .head_dim = 3, .num_groups = 2, .state_size = 5, .conv_kernel = 3};
  Layer layer = MakeLayer(s, true, rng);
  MambaParams p = layer.params();
  p.dt_min = 0.2f;
  p.dt_max = 0.25f;
  const int64_t C = s.conv_dim(), H = s.num_heads, I = s.inner();
  const int32_t n = 9;
  std::vector<float> u = Random(n * C, rng), dt = Random(n * H, rng, -6.f, 6.f), y(n * I);
  std::vector<float> slab = Random(s.slot_floats(), rng);
  const std::vector<double> S(slab.begin() + s.conv_state_floats(), slab.end());  // the state before
  Batch b;
  b.Add(4, n, 0);  // continues the slot's state
  cpu.SsmScan(u.data(), dt.data(), H, b.View(), s, p, {.base = slab.data(), .slot_floats = s.slot_floats()}, y.data());
  std::vector<double> S0 = S;
  const std::vector<double> want = ref::SsmScan(u, dt, n, s, layer.A, layer.dt_bias, layer.D, 0.2, 0.25, S0);
  EXPECT_LT(RelErr(y, want), 1e-5);
  // Without the clip the result differs: the limit is really applied.
  std::vector<double> S1 = S;
  const std::vector<double> unclipped = ref::SsmScan(u, dt, n, s, layer.A, layer.dt_bias, layer.D, 0.0, INFINITY, S1);
  EXPECT_GT(RelErr(y, unclipped), 1e-2);
}

TEST(MambaKernelTest, GatedGroupRmsNormSweep) {
  CpuBackend cpu(1);
  std::mt19937 rng(7);
  struct Case { int64_t rows, dim, group; };
  for (const Case c : {Case{1, 8, 8}, Case{3, 12, 4}, Case{5, 4096, 512}, Case{17, 96, 32}, Case{2, 21, 7}}) {
    const int64_t z_stride = c.dim + 5;  // z is a slice of a wider row
    std::vector<float> y = Random(c.rows * c.dim, rng, -3.f, 3.f), z = Random(c.rows * z_stride, rng, -3.f, 3.f);
    std::vector<float> w = Random(c.dim, rng, 0.5f, 1.5f), out(c.rows * c.dim);
    cpu.GatedGroupRmsNorm(y.data(), z.data(), z_stride, w.data(), c.rows, c.dim, c.group, 1e-5f, out.data());
    std::vector<float> zz(c.rows * c.dim);
    for (int64_t r = 0; r < c.rows; ++r) std::copy_n(z.begin() + r * z_stride, c.dim, zz.begin() + r * c.dim);
    EXPECT_LT(RelErr(out, ref::GatedGroupRmsNorm(y, zz, w, c.rows, c.dim, c.group, 1e-5)), 1e-6)
        << c.rows << "x" << c.dim << " groups of " << c.group;
    // In place (the model normalises y into itself).
    cpu.GatedGroupRmsNorm(y.data(), z.data(), z_stride, w.data(), c.rows, c.dim, c.group, 1e-5f, y.data());
    EXPECT_EQ(y, out);
  }
}

}  // namespace
}  // namespace vllm
