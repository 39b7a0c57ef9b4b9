#include "kernels/ref/ref_ops.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/ref/ref_blocks.h"
#include "util/half.h"

namespace vllm::ref {

namespace {

// Element i of a [*] buffer of f32 / bf16 / f16 values.
double LoadFloat(BufferView b, DType dt, int64_t i) {
  if (dt == DType::kF32) return b.data<float>()[i];
  if (dt == DType::kBF16) return Bf16ToF32(b.data<uint16_t>()[i]);
  return F16ToF32(b.data<uint16_t>()[i]);
}

}  // namespace

Q8Blocks QuantizeQ8Blocks(const std::vector<float>& x, int64_t m, int64_t cols) {
  Q8Blocks out;
  out.q.resize(m * cols);
  out.xhat.resize(m * cols);
  for (int64_t t = 0; t < m; ++t)
    for (int64_t b = 0; b < cols / 32; ++b) {
      const float* xb = x.data() + t * cols + 32 * b;
      float amax = 0.f;
      for (int k = 0; k < 32; ++k) amax = std::fmax(amax, std::fabs(xb[k]));
      const float dx = amax / 127.f, inv = amax > 0.f ? 127.f / amax : 0.f;
      int sum = 0;
      for (int k = 0; k < 32; ++k) {
        const float code = std::fmin(127.f, std::fmax(-127.f, std::nearbyint(xb[k] * inv)));
        out.q[t * cols + 32 * b + k] = static_cast<int8_t>(code);
        out.xhat[t * cols + 32 * b + k] = dx * code;
        sum += static_cast<int>(code);
      }
      out.d.push_back(dx);
      out.bsum.push_back(dx * static_cast<float>(sum));
    }
  return out;
}

std::vector<double> Row(const WeightMatrix& w, int64_t r) {
  std::vector<double> out(w.cols);
  if (w.block_quantized()) {
    const int64_t elems = BlockElems(w.block);
    const uint8_t* row = w.data.data<uint8_t>() + r * (w.cols / elems) * BlockBytes(w.block);
    for (int64_t i = 0; i < w.cols; ++i)
      out[i] = BlockValue(w.block, row + (i / elems) * BlockBytes(w.block), static_cast<int>(i % elems));
    return out;
  }
  if (!w.quantized) {
    for (int64_t i = 0; i < w.cols; ++i) out[i] = LoadFloat(w.data, w.dtype, r * w.cols + i);
    return out;
  }
  // The row is one little-endian bit stream: code j = bits [j*bits, (j+1)*bits).
  const uint8_t* bytes = w.data.data<uint8_t>() + r * w.words_per_row() * 4;
  const int64_t G = w.groups_per_row();
  for (int64_t j = 0; j < w.cols; ++j) {
    uint32_t code = 0;
    for (int b = 0; b < w.bits; ++b) {
      const int64_t bit = j * w.bits + b;
      code |= static_cast<uint32_t>((bytes[bit / 8] >> (bit % 8)) & 1u) << b;
    }
    const int64_t g = j / w.group_size;
    out[j] = LoadFloat(w.scales, w.scale_dtype, r * G + g) * code +
             LoadFloat(w.biases, w.scale_dtype, r * G + g);
  }
  return out;
}

std::vector<double> MatMul(const WeightMatrix& w, const std::vector<float>& x, int64_t m) {
  std::vector<double> y(m * w.rows);
  for (int64_t r = 0; r < w.rows; ++r) {
    std::vector<double> row = Row(w, r);
    for (int64_t t = 0; t < m; ++t) {
      double s = w.has_bias() ? w.bias.data<float>()[r] : 0.0;
      for (int64_t i = 0; i < w.cols; ++i) s += row[i] * x[t * w.cols + i];
      y[t * w.rows + r] = s;
    }
  }
  return y;
}

std::vector<double> MatMulBf16Operands(const WeightMatrix& w, const std::vector<float>& x, int64_t m) {
  if (!w.quantized && (w.dtype != DType::kBF16 || w.cols % 32 != 0)) return MatMul(w, x, m);
  std::vector<double> xr(x.size());
  for (size_t i = 0; i < x.size(); ++i) xr[i] = Bf16ToF32(F32ToBf16(x[i]));
  std::vector<double> y(m * w.rows);
  for (int64_t r = 0; r < w.rows; ++r) {
    std::vector<double> row = Row(w, r);  // affine: s_g * q + b_g
    for (int64_t t = 0; t < m; ++t) {
      double s = w.has_bias() ? w.bias.data<float>()[r] : 0.0;
      for (int64_t i = 0; i < w.cols; ++i) {
        if (!w.quantized) {
          s += row[i] * xr[t * w.cols + i];
          continue;
        }
        const double b = LoadFloat(w.biases, w.scale_dtype, r * w.groups_per_row() + i / w.group_size);
        s += (row[i] - b) * xr[t * w.cols + i] + b * x[t * w.cols + i];
      }
      y[t * w.rows + r] = s;
    }
  }
  return y;
}

std::vector<double> MatMulAbs(const WeightMatrix& w, const std::vector<float>& x, int64_t m) {
  std::vector<double> y(m * w.rows);
  for (int64_t r = 0; r < w.rows; ++r) {
    std::vector<double> row = Row(w, r);
    for (int64_t t = 0; t < m; ++t) {
      double s = w.has_bias() ? std::abs(w.bias.data<float>()[r]) : 0.0;
      for (int64_t i = 0; i < w.cols; ++i) s += std::abs(row[i] * x[t * w.cols + i]);
      y[t * w.rows + r] = s;
    }
  }
  return y;
}

std::vector<double> GeluTanhMul(const std::vector<float>& gate, const std::vector<float>& up) {
  std::vector<double> out(gate.size());
  const double c = std::sqrt(2.0 / M_PI);
  for (size_t i = 0; i < gate.size(); ++i) {
    const double g = gate[i];
    out[i] = 0.5 * g * (1.0 + std::tanh(c * (g + 0.044715 * g * g * g))) * up[i];
  }
  return out;
}

std::vector<double> SiluMul(const std::vector<float>& gate, const std::vector<float>& up) {
  std::vector<double> out(gate.size());
  for (size_t i = 0; i < gate.size(); ++i) {
    const double g = gate[i];
    out[i] = g / (1.0 + std::exp(-g)) * up[i];
  }
  return out;
}

std::vector<double> RmsNorm(const std::vector<float>& x, const std::vector<float>& w, int64_t dim, double eps) {
  std::vector<double> y(x.size());
  for (size_t r = 0; r < x.size() / dim; ++r) {
    double ss = 0;
    for (int64_t i = 0; i < dim; ++i) ss += static_cast<double>(x[r * dim + i]) * x[r * dim + i];
    const double inv = 1.0 / std::sqrt(ss / dim + eps);
    for (int64_t i = 0; i < dim; ++i) y[r * dim + i] = x[r * dim + i] * inv * w[i];
  }
  return y;
}

std::vector<double> Add(const std::vector<float>& x, const std::vector<float>& y) {
  std::vector<double> s(x.size());
  for (size_t i = 0; i < x.size(); ++i) s[i] = static_cast<double>(x[i]) + y[i];
  return s;
}

AddRmsNormResult AddRmsNorm(const std::vector<float>& x, const std::vector<float>& y,
                            const std::vector<float>& w, int64_t dim, double eps) {
  AddRmsNormResult r{Add(x, y), std::vector<double>(x.size())};
  for (size_t row = 0; row < x.size() / dim; ++row) {
    const double* s = r.sum.data() + row * dim;
    double ss = 0;
    for (int64_t i = 0; i < dim; ++i) ss += s[i] * s[i];
    const double inv = 1.0 / std::sqrt(ss / dim + eps);
    for (int64_t i = 0; i < dim; ++i) r.out[row * dim + i] = s[i] * inv * w[i];
  }
  return r;
}

std::vector<double> Rope(const std::vector<float>& x, const std::vector<int32_t>& positions,
                         int64_t num_heads, int64_t head_dim, const std::vector<float>& inv_freq) {
  std::vector<double> y(x.begin(), x.end());
  const int64_t half = head_dim / 2;
  for (size_t t = 0; t < positions.size(); ++t)
    for (int64_t h = 0; h < num_heads; ++h)
      for (int64_t i = 0; i < half; ++i) {
        const double th = static_cast<double>(positions[t]) * inv_freq[i];
        const size_t base = (t * num_heads + h) * head_dim;
        const double a = x[base + i], b = x[base + i + half];
        y[base + i] = a * std::cos(th) - b * std::sin(th);
        y[base + i + half] = a * std::sin(th) + b * std::cos(th);
      }
  return y;
}

std::vector<double> Attention(const std::vector<float>& q, const std::vector<float>& k,
                              const std::vector<float>& v, const std::vector<int32_t>& positions,
                              int64_t H, int64_t KVH, int64_t D, double scale, int64_t sliding_window) {
  std::vector<double> out(q.size());
  for (size_t i = 0; i < positions.size(); ++i)
    for (int64_t h = 0; h < H; ++h) {
      const int64_t kvh = h / (H / KVH);
      std::vector<double> s(positions[i] + 1);
      double mx = -INFINITY;
      // Positions outside the window get exp(-inf) = 0 weight below.
      const int64_t first = sliding_window > 0 ? std::max<int64_t>(0, positions[i] - sliding_window + 1) : 0;
      for (int32_t p = 0; p <= positions[i]; ++p) {
        if (p < first) {
          s[p] = -INFINITY;
          continue;
        }
        double d = 0;
        for (int64_t e = 0; e < D; ++e) d += static_cast<double>(q[(i * H + h) * D + e]) * k[(p * KVH + kvh) * D + e];
        s[p] = d * scale;
        mx = std::max(mx, s[p]);
      }
      double z = 0;
      for (double& x : s) z += (x = std::exp(x - mx));
      for (int64_t e = 0; e < D; ++e) {
        double acc = 0;
        for (int32_t p = 0; p <= positions[i]; ++p) acc += s[p] * v[(p * KVH + kvh) * D + e];
        out[(i * H + h) * D + e] = acc / z;
      }
    }
  return out;
}

std::vector<float> ApplyAllowedMask(const std::vector<float>& logits, const std::vector<uint32_t>& mask) {
  std::vector<float> out(logits.size());
  for (size_t id = 0; id < logits.size(); ++id) {
    const bool allowed = (mask[id / 32] >> (id % 32)) & 1u;
    out[id] = allowed ? logits[id] : -std::numeric_limits<float>::infinity();
  }
  return out;
}

}  // namespace vllm::ref
