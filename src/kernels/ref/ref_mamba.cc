#include "kernels/ref/ref_mamba.h"

#include <algorithm>
#include <cmath>

namespace vllm::ref {

namespace {
double Silu(double x) { return x / (1.0 + std::exp(-x)); }
}  // namespace

std::vector<double> CausalConv1d(const std::vector<float>& x, int64_t n, const MambaShape& s,
                                 const std::vector<float>& weight, const std::vector<float>& bias,
                                 std::vector<double>& conv_state) {
  const int64_t C = s.conv_dim(), K = s.conv_kernel;
  // win = concat(state, x): [K-1+n, C]
  std::vector<double> win(conv_state);
  win.insert(win.end(), x.begin(), x.begin() + n * C);
  std::vector<double> out(static_cast<size_t>(n * C));
  for (int64_t t = 0; t < n; ++t)
    for (int64_t c = 0; c < C; ++c) {
      double acc = bias.empty() ? 0.0 : bias[c];
      for (int64_t j = 0; j < K; ++j) acc += static_cast<double>(weight[c * K + j]) * win[(t + j) * C + c];
      out[t * C + c] = Silu(acc);
    }
  conv_state.assign(win.end() - (K - 1) * C, win.end());
  return out;
}

std::vector<double> SsmScan(const std::vector<float>& u, const std::vector<float>& dt_raw, int64_t n,
                            const MambaShape& s, const std::vector<float>& A, const std::vector<float>& dt_bias,
                            const std::vector<float>& D, double dt_min, double dt_max, std::vector<double>& S) {
  const int64_t H = s.num_heads, P = s.head_dim, N = s.state_size, G = s.num_groups;
  const int64_t C = s.conv_dim(), I = s.inner();
  std::vector<double> y(static_cast<size_t>(n * I));
  for (int64_t t = 0; t < n; ++t)
    for (int64_t h = 0; h < H; ++h) {
      const int64_t g = h / (H / G);
      const double dt = std::min(dt_max, std::max(dt_min, std::log1p(std::exp(static_cast<double>(dt_raw[t * H + h]) + dt_bias[h]))));
      const double dA = std::exp(dt * A[h]);
      for (int64_t p = 0; p < P; ++p) {
        const double x = u[t * C + h * P + p];
        double acc = 0;
        for (int64_t k = 0; k < N; ++k) {
          double& st = S[(h * P + p) * N + k];
          st = dA * st + dt * x * u[t * C + I + g * N + k];
          acc += st * u[t * C + I + G * N + g * N + k];
        }
        y[t * I + h * P + p] = acc + D[h] * x;
      }
    }
  return y;
}

std::vector<double> GatedGroupRmsNorm(const std::vector<float>& y, const std::vector<float>& z,
                                      const std::vector<float>& weight, int64_t rows, int64_t dim,
                                      int64_t group_size, double eps) {
  std::vector<double> out(static_cast<size_t>(rows * dim));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t g0 = 0; g0 < dim; g0 += group_size) {
      double ss = 0;
      for (int64_t i = g0; i < g0 + group_size; ++i) {
        const double v = y[r * dim + i] * Silu(z[r * dim + i]);
        out[r * dim + i] = v;
        ss += v * v;
      }
      const double inv = 1.0 / std::sqrt(ss / static_cast<double>(group_size) + eps);
      for (int64_t i = g0; i < g0 + group_size; ++i) out[r * dim + i] *= inv * weight[i];
    }
  return out;
}

}  // namespace vllm::ref
