#include "kernels/cpu/mamba_ops.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "util/check.h"

namespace vllm::cpu {

namespace {

float Silu(float x) { return x / (1.f + std::exp(-x)); }
// log(1 + e^x) without overflow (mlx: logaddexp(x, 0)).
float Softplus(float x) { return x > 20.f ? x : std::log1p(std::exp(x)); }

// Whether sequence s runs this step with a state slot (padding rows have none).
struct SeqSpan {
  int32_t begin, end, slot;
  bool fresh;  // its chunk starts at position 0: start from zero state
};
SeqSpan Span(const BatchView& b, int32_t s) {
  const int32_t q0 = b.query_start[s], q1 = b.query_start[s + 1];
  return {q0, q1, b.state_slots ? b.state_slots[s] : -1, q1 > q0 && b.positions[q0] == 0};
}

constexpr int64_t kConvChannelBlock = 256;
constexpr int kMaxConvKernel = 8;
constexpr int64_t kLanes = 16;  // scan partial sums (one AVX-512 register, two AVX2 ones)

}  // namespace

// Per channel: the K-1 previous raw values slide through a small window in registers; the
// window starts as the slot's rows (or zeros) and ends as the slot's new rows.
void CausalConv1d(const float* xbc, int64_t x_stride, const BatchView& b, const MambaShape& shape,
                  const MambaParams& p, MambaState state, float* out, ThreadPool& pool) {
  const int64_t C = shape.conv_dim(), K = shape.conv_kernel;
  CHECK(K >= 1 && K <= kMaxConvKernel) << "conv kernel " << K << " (1.." << kMaxConvKernel << ")";
  const int64_t num_blocks = (C + kConvChannelBlock - 1) / kConvChannelBlock;
  pool.ParallelFor(static_cast<size_t>(b.num_seqs * num_blocks), 1, [&](size_t begin, size_t end) {
    for (size_t job = begin; job < end; ++job) {
      const SeqSpan sp = Span(b, static_cast<int32_t>(job / num_blocks));
      if (sp.slot < 0 || sp.end == sp.begin) continue;
      float* st = state.conv(sp.slot);  // [K-1, C]
      const int64_t c0 = static_cast<int64_t>(job % num_blocks) * kConvChannelBlock;
      const int64_t c1 = std::min(C, c0 + kConvChannelBlock);
      for (int64_t c = c0; c < c1; ++c) {
        float win[kMaxConvKernel];  // win[j] = raw row t-K+1+j, j < K-1
        for (int64_t j = 0; j + 1 < K; ++j) win[j] = sp.fresh ? 0.f : st[j * C + c];
        const float* w = p.conv_weight + c * K;
        const float bias = p.conv_bias ? p.conv_bias[c] : 0.f;
        for (int32_t t = sp.begin; t < sp.end; ++t) {
          const float x = xbc[t * x_stride + c];
          float acc = bias + w[K - 1] * x;
          for (int64_t j = 0; j + 1 < K; ++j) acc += w[j] * win[j];
          out[t * C + c] = Silu(acc);
          for (int64_t j = 0; j + 2 < K; ++j) win[j] = win[j + 1];
          if (K > 1) win[K - 2] = x;
        }
        for (int64_t j = 0; j + 1 < K; ++j) st[j * C + c] = win[j];
      }
    }
  });
}

// One (sequence, head) job: S [P, N] stays hot across the chunk's tokens.
void SsmScan(const float* u, const float* dt_raw, int64_t dt_stride, const BatchView& b,
             const MambaShape& shape, const MambaParams& p, MambaState state, float* y, ThreadPool& pool) {
  const int64_t H = shape.num_heads, P = shape.head_dim, N = shape.state_size, G = shape.num_groups;
  const int64_t C = shape.conv_dim(), I = shape.inner(), heads_per_group = H / G;
  pool.ParallelFor(static_cast<size_t>(b.num_seqs * H), 1, [&](size_t begin, size_t end) {
    for (size_t job = begin; job < end; ++job) {
      const SeqSpan sp = Span(b, static_cast<int32_t>(job / H));
      if (sp.slot < 0 || sp.end == sp.begin) continue;
      const int64_t h = static_cast<int64_t>(job % H), g = h / heads_per_group;
      float* S = state.ssm(sp.slot, shape) + h * P * N;  // [P, N]
      if (sp.fresh) std::memset(S, 0, sizeof(float) * static_cast<size_t>(P * N));
      const float A = p.A[h], D = p.D[h], dt_bias = p.dt_bias[h];
      for (int32_t t = sp.begin; t < sp.end; ++t) {
        const float* row = u + t * C;
        const float* xs = row + h * P;                // [P]
        const float* B = row + I + g * N;             // [N]
        const float* Cm = row + I + G * N + g * N;    // [N]
        const float dt = std::clamp(Softplus(dt_raw[t * dt_stride + h] + dt_bias), p.dt_min, p.dt_max);
        const float dA = std::exp(dt * A);
        float* yh = y + t * I + h * P;
        for (int64_t pi = 0; pi < P; ++pi) {
          float* s = S + pi * N;
          const float dx = dt * xs[pi];
          // kLanes independent partial sums: the compiler keeps them in one vector register
          // (a single running sum would serialise the loop on the add latency).
          float part[kLanes] = {};
          int64_t n = 0;
          for (; n + kLanes <= N; n += kLanes)
            for (int64_t j = 0; j < kLanes; ++j) {
              s[n + j] = dA * s[n + j] + dx * B[n + j];
              part[j] += s[n + j] * Cm[n + j];
            }
          float acc = 0.f;
          for (; n < N; ++n) {
            s[n] = dA * s[n] + dx * B[n];
            acc += s[n] * Cm[n];
          }
          for (int64_t j = 0; j < kLanes; ++j) acc += part[j];
          yh[pi] = acc + D * xs[pi];
        }
      }
    }
  });
}

void GatedGroupRmsNorm(const float* y, const float* z, int64_t z_stride, const float* weight, int64_t rows,
                       int64_t dim, int64_t group_size, float eps, float* out) {
  CHECK(group_size > 0 && dim % group_size == 0) << "group size " << group_size << " must divide " << dim;
  for (int64_t r = 0; r < rows; ++r) {
    const float* yr = y + r * dim;
    const float* zr = z + r * z_stride;
    float* o = out + r * dim;
    for (int64_t i = 0; i < dim; ++i) o[i] = yr[i] * Silu(zr[i]);
    for (int64_t g0 = 0; g0 < dim; g0 += group_size) {
      float ss = 0.f;
      for (int64_t i = g0; i < g0 + group_size; ++i) ss += o[i] * o[i];
      const float inv = 1.f / std::sqrt(ss / static_cast<float>(group_size) + eps);
      for (int64_t i = g0; i < g0 + group_size; ++i) o[i] = o[i] * inv * weight[i];
    }
  }
}

}  // namespace vllm::cpu
