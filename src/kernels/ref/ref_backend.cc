#include "kernels/ref/ref_backend.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/ref/ref_mamba.h"
#include "kernels/ref/ref_moe.h"
#include "kernels/ref/ref_ops.h"
#include "util/check.h"
#include "util/half.h"

namespace vllm {

namespace {

std::vector<float> Vec(const float* p, int64_t n) { return std::vector<float>(p, p + n); }

void Store(const std::vector<double>& v, float* out) {
  for (size_t i = 0; i < v.size(); ++i) out[i] = static_cast<float>(v[i]);
}

// One cache element as stored (f32, or bf16/f16 rounded to nearest even) and read back.
float LoadKv(const void* base, DType dt, int64_t i) {
  if (dt == DType::kF32) return static_cast<const float*>(base)[i];
  const uint16_t h = static_cast<const uint16_t*>(base)[i];
  return dt == DType::kBF16 ? Bf16ToF32(h) : F16ToF32(h);
}
void StoreKv(void* base, DType dt, int64_t i, float x) {
  if (dt == DType::kF32) static_cast<float*>(base)[i] = x;
  else static_cast<uint16_t*>(base)[i] = dt == DType::kBF16 ? F32ToBf16(x) : F32ToF16(x);
}

}  // namespace

void RefBackend::CopyToDevice(void* dst, const void* src, size_t bytes) { std::memcpy(dst, src, bytes); }
void RefBackend::CopyToHost(void* dst, const void* src, size_t bytes) { std::memcpy(dst, src, bytes); }
void RefBackend::Memset(void* dst, int value, size_t bytes) { std::memset(dst, value, bytes); }
size_t RefBackend::AvailableMemory() const { return size_t{1} << 34; }

void RefBackend::MatMul(const WeightMatrix& w, const float* x, int64_t m, int64_t decode_rows, float* y) {
  // Decode rows exact; prompt rows with x rounded to bf16 where the CUDA backend's tensor cores
  // do, when this oracle mirrors it.
  const int64_t d = bf16_prompt_rows_ ? std::clamp<int64_t>(decode_rows, 0, m) : m;
  if (d > 0) Store(ref::MatMul(w, Vec(x, d * w.cols), d), y);
  if (d < m) Store(ref::MatMulBf16Operands(w, Vec(x + d * w.cols, (m - d) * w.cols), m - d), y + d * w.rows);
}
void RefBackend::MatMulShared(std::span<const MatMulJob> jobs, const float* x, int64_t m, int64_t decode_rows) {
  for (const MatMulJob& j : jobs) MatMul(*j.w, x, m, decode_rows, j.y);
}
void RefBackend::EmbeddingLookup(const WeightMatrix& w, const int32_t* ids, int64_t n, float* out) {
  for (int64_t i = 0; i < n; ++i) Store(ref::Row(w, ids[i]), out + i * w.cols);
}
void RefBackend::RmsNorm(const float* x, const float* weight, int64_t rows, int64_t dim, float eps,
                         float* y) {
  Store(ref::RmsNorm(Vec(x, rows * dim), Vec(weight, dim), dim, eps), y);
}
void RefBackend::AddRmsNorm(float* x, const float* y, const float* weight, int64_t rows, int64_t dim,
                            float eps, float* out) {
  // The sum is rounded to f32 first (it is the residual stream every backend keeps in f32),
  // then normed from the rounded sum.
  ref::AddRmsNormResult r = ref::AddRmsNorm(Vec(x, rows * dim), Vec(y, rows * dim), Vec(weight, dim), dim, eps);
  Store(r.sum, x);
  Store(ref::RmsNorm(Vec(x, rows * dim), Vec(weight, dim), dim, eps), out);
}
void RefBackend::ApplyRope(float* x, const int32_t* positions, int64_t num_tokens, int64_t num_heads,
                           int64_t head_dim, const float* inv_freq) {
  Store(ref::Rope(Vec(x, num_tokens * num_heads * head_dim), std::vector<int32_t>(positions, positions + num_tokens),
                  num_heads, head_dim, Vec(inv_freq, head_dim / 2)),
        x);
}
void RefBackend::SiluMul(const float* gate, const float* up, int64_t n, float* out) {
  Store(ref::SiluMul(Vec(gate, n), Vec(up, n)), out);
}
void RefBackend::AddInPlace(float* x, const float* y, int64_t n) { Store(ref::Add(Vec(x, n), Vec(y, n)), x); }
void RefBackend::GeluTanhMul(const float* gate, const float* up, int64_t n, float* out) {
  Store(ref::GeluTanhMul(Vec(gate, n), Vec(up, n)), out);
}
void RefBackend::Scale(float* x, int64_t n, float s) {
  for (int64_t i = 0; i < n; ++i) x[i] = static_cast<float>(static_cast<double>(x[i]) * s);
}
void RefBackend::GatherRows(const float* src, const int32_t* indices, int64_t n, int64_t dim, float* dst) {
  std::vector<float> rows;
  for (int64_t i = 0; i < n; ++i) rows.insert(rows.end(), src + indices[i] * dim, src + (indices[i] + 1) * dim);
  std::memcpy(dst, rows.data(), rows.size() * sizeof(float));
}

void RefBackend::WriteKvCache(const float* k, const float* v, const BatchView& b, const AttentionShape& s,
                              KvLayer cache) {
  const int64_t stride = s.num_kv_heads * s.head_dim;
  for (int32_t t = 0; t < b.num_tokens; ++t) {
    if (b.slot_mapping[t] < 0) continue;
    for (int64_t i = 0; i < stride; ++i) {
      StoreKv(cache.k, cache.dtype, b.slot_mapping[t] * stride + i, k[t * stride + i]);
      StoreKv(cache.v, cache.dtype, b.slot_mapping[t] * stride + i, v[t * stride + i]);
    }
  }
}

// Per sequence: its context gathered densely through the block table, then dense attention.
void RefBackend::PagedAttention(const float* q, KvLayer cache, const BatchView& b, const AttentionShape& s,
                                float* out) {
  const int64_t H = s.num_heads, D = s.head_dim, stride = s.num_kv_heads * D, bs = s.block_size;
  for (int32_t seq = 0; seq < b.num_seqs; ++seq) {
    const int32_t q0 = b.query_start[seq], n = b.query_start[seq + 1] - q0;
    if (n == 0) continue;
    const int32_t ctx = b.seq_lens[seq];
    std::vector<float> k(ctx * stride), v(ctx * stride);
    for (int32_t p = 0; p < ctx; ++p) {
      const int64_t slot = static_cast<int64_t>(b.block_table(seq)[p / bs]) * bs + p % bs;
      for (int64_t i = 0; i < stride; ++i) {
        k[p * stride + i] = LoadKv(cache.k, cache.dtype, slot * stride + i);
        v[p * stride + i] = LoadKv(cache.v, cache.dtype, slot * stride + i);
      }
    }
    const std::vector<int32_t> pos(b.positions + q0, b.positions + q0 + n);
    Store(ref::Attention(Vec(q + q0 * H * D, n * H * D), k, v, pos, H, s.num_kv_heads, D, s.scale,
                         s.sliding_window),
          out + q0 * H * D);
  }
}

void RefBackend::RouterTopK(const float* logits, int64_t num_tokens, const RouterParams& params,
                            int32_t* ids, float* weights) {
  const ref::RouterChoice c = ref::RouterTopK(Vec(logits, num_tokens * params.num_experts), num_tokens, params);
  std::copy(c.ids.begin(), c.ids.end(), ids);
  Store(c.weights, weights);
}
void RefBackend::MoeExperts(const MoeWeights& w, const float* x, int64_t num_tokens, int64_t top_k,
                            const int32_t* ids, const float* weights, float* out) {
  const int64_t H = w.experts[0].up.cols, n = num_tokens * top_k;
  Store(ref::MoeExperts(w, Vec(x, num_tokens * H), num_tokens, top_k, std::vector<int32_t>(ids, ids + n),
                        Vec(weights, n)),
        out);
}

// The state-space ops, one sequence at a time: the slot's state (zeros at position 0) widened to
// double, the reference run, the state rounded back to f32 in the slot.
void RefBackend::CausalConv1d(const float* xbc, int64_t x_stride, const BatchView& b, const MambaShape& shape,
                              const MambaParams& p, MambaState state, float* out) {
  const int64_t C = shape.conv_dim(), K = shape.conv_kernel;
  const std::vector<float> w = Vec(p.conv_weight, C * K);
  const std::vector<float> bias = p.conv_bias ? Vec(p.conv_bias, C) : std::vector<float>();
  for (int32_t s = 0; s < b.num_seqs; ++s) {
    const int32_t q0 = b.query_start[s], n = b.query_start[s + 1] - q0, slot = b.state_slots[s];
    if (n == 0 || slot < 0) continue;
    float* st = state.conv(slot);
    std::vector<double> cs(static_cast<size_t>((K - 1) * C), 0.0);
    if (b.positions[q0] != 0) cs.assign(st, st + (K - 1) * C);
    std::vector<float> x(static_cast<size_t>(n * C));
    for (int32_t t = 0; t < n; ++t) std::copy_n(xbc + (q0 + t) * x_stride, C, x.begin() + t * C);
    Store(ref::CausalConv1d(x, n, shape, w, bias, cs), out + q0 * C);
    Store(cs, st);
  }
}
void RefBackend::SsmScan(const float* u, const float* dt_raw, int64_t dt_stride, const BatchView& b,
                         const MambaShape& shape, const MambaParams& p, MambaState state, float* y) {
  const int64_t H = shape.num_heads, C = shape.conv_dim(), I = shape.inner();
  const std::vector<float> A = Vec(p.A, H), dt_bias = Vec(p.dt_bias, H), D = Vec(p.D, H);
  for (int32_t s = 0; s < b.num_seqs; ++s) {
    const int32_t q0 = b.query_start[s], n = b.query_start[s + 1] - q0, slot = b.state_slots[s];
    if (n == 0 || slot < 0) continue;
    float* st = state.ssm(slot, shape);
    std::vector<double> S(static_cast<size_t>(shape.ssm_state_floats()), 0.0);
    if (b.positions[q0] != 0) S.assign(st, st + shape.ssm_state_floats());
    std::vector<float> dt(static_cast<size_t>(n * H));
    for (int32_t t = 0; t < n; ++t) std::copy_n(dt_raw + (q0 + t) * dt_stride, H, dt.begin() + t * H);
    Store(ref::SsmScan(Vec(u + q0 * C, n * C), dt, n, shape, A, dt_bias, D, p.dt_min, p.dt_max, S), y + q0 * I);
    Store(S, st);
  }
}
void RefBackend::GatedGroupRmsNorm(const float* y, const float* z, int64_t z_stride, const float* weight,
                                   int64_t rows, int64_t dim, int64_t group_size, float eps, float* out) {
  std::vector<float> zz(static_cast<size_t>(rows * dim));
  for (int64_t r = 0; r < rows; ++r) std::copy_n(z + r * z_stride, dim, zz.begin() + r * dim);
  Store(ref::GatedGroupRmsNorm(Vec(y, rows * dim), zz, Vec(weight, dim), rows, dim, group_size, eps), out);
}
void RefBackend::Relu2(const float* x, int64_t n, float* out) {
  for (int64_t i = 0; i < n; ++i) {
    const double r = std::max(0.0, static_cast<double>(x[i]));
    out[i] = static_cast<float>(r * r);
  }
}

void RefBackend::Sample(float* logits, int64_t vocab, const SamplingBatch& batch, std::span<SampleOutput> out) {
  if (!sampler_ || sampler_->vocab_size() != vocab) sampler_ = std::make_unique<Sampler>(vocab, &pool_);
  sampler_->SampleBatch(logits, batch, out);
}

}  // namespace vllm
