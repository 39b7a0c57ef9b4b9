// Random sampling on the device with the CPU sampler's semantics (sampler/candidate_filter.h,
// candidates.h): one CTA per row, only the token id comes back.
//
//   l /= T (in place, division as the CPU), m = max(l), w = FastExp(l - m) (util/fast_exp.h,
//   the CPU sampler's own function; recomputed where needed, never stored);
//   kept = l >= cut_k (top-k: the k-th largest logit, ties kept)
//          and w >= min_p (when min_p > 0)
//          and l >= cut_p (top-p: the logit of the last token of the shortest (logit desc, id asc)
//                          prefix of the kept tokens whose mass reaches (top_p - 1e-6) * sum);
//   u = PhiloxUniform(seed, position); the token is the first kept id, ascending, whose running
//   sum of w exceeds u * sum(w over kept) -- the CPU's DrawToken over ascending ids.
//
// Both cuts are radix selects over a monotone 32-bit key of the logit, 8 bits per pass: top-k
// counts tokens per digit bin, top-p sums their mass per bin in 2^-43 fixed point (integer
// atomics: the bins are identical on every run; the CPU sums in float blocks or double, so the
// two cut the same way except where a boundary falls within ~1e-6 of the threshold, as the
// CPU's own sum error). The draw: each thread sums a contiguous id range in double, a scan
// tiles [0, total) with the ranges exactly, and the thread whose range holds the target walks
// it. Rows whose mass is not positive and finite keep the ArgMaxRows id the caller wrote first
// (the CPU's argmax fallback).
#include <cmath>
#include <cstdint>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_ops.h"
#include "util/fast_exp.h"
#include "util/philox.h"

namespace vllm::cuda {
namespace {

constexpr int kThreads = 1024;
constexpr int kWarps = kThreads / 32;
constexpr double kTopPSlack = 1e-6;          // sampler/candidate_filter.h
constexpr double kMassScale = 8796093022208.0;  // 2^43: w in [0, 1] as an integer; 2^18 rows of it fit 2^61

// Orders floats as unsigned integers: larger logit, larger key (-inf lowest of the finite order).
__device__ __forceinline__ uint32_t Key(float v) {
  const uint32_t b = __float_as_uint(v);
  return (b & 0x80000000u) ? ~b : (b | 0x80000000u);
}
__device__ __forceinline__ float FromKey(uint32_t k) {
  return __uint_as_float((k & 0x80000000u) ? (k & 0x7fffffffu) : ~k);
}

struct Shared {
  unsigned long long mass[256];
  uint32_t count[256];
  double warp_d[kWarps];
  unsigned long long warp_u[kWarps];
  float warp_f[kWarps];
  int warp_i[kWarps];
  uint32_t prefix, digit_mask;
  unsigned long long remaining;  // top-p: mass still to reach inside the selected bin
  uint32_t remaining_count;      // top-k: tokens still to take inside the selected bin
};

__device__ __forceinline__ unsigned long long Fixed(float w) { return __double2ull_rn(static_cast<double>(w) * kMassScale); }

// Radix select, most significant digit first. mode 0: the key of the k-th largest kept token
// (`need` = k, counts); mode 1: the key at which the descending mass reaches `need` (2^-40 units).
// kept(i) is evaluated by the caller-supplied predicate.
template <class Kept>
__device__ uint32_t RadixSelect(const float* l, int64_t V, float m, int mode, unsigned long long need, Kept kept,
                                Shared& s) {
  if (threadIdx.x == 0) {
    s.prefix = 0, s.digit_mask = 0;
    s.remaining = need, s.remaining_count = static_cast<uint32_t>(need);
  }
  for (int shift = 24; shift >= 0; shift -= 8) {
    for (int b = threadIdx.x; b < 256; b += kThreads) s.mass[b] = 0, s.count[b] = 0;
    __syncthreads();
    const uint32_t prefix = s.prefix, dmask = s.digit_mask;
    for (int64_t i = threadIdx.x; i < V; i += kThreads) {
      const float v = l[i];
      const uint32_t k = Key(v);
      if ((k & dmask) != prefix || !kept(v)) continue;
      const uint32_t bin = (k >> shift) & 255u;
      if (mode == 0) {
        atomicAdd(&s.count[bin], 1u);
      } else {
        const float w = FastExp(v - m);
        atomicAdd(&s.mass[bin], Fixed(w));
      }
    }
    __syncthreads();
    if (threadIdx.x == 0) {  // walk the bins from the largest logits down
      int bin = 255;
      if (mode == 0) {
        uint32_t left = s.remaining_count;
        for (; bin > 0 && s.count[bin] < left; --bin) left -= s.count[bin];
        s.remaining_count = left;
      } else {
        unsigned long long left = s.remaining;
        for (; bin > 0 && s.mass[bin] < left; --bin) left -= s.mass[bin];
        s.remaining = left;
      }
      s.prefix |= static_cast<uint32_t>(bin) << shift;
      s.digit_mask |= 255u << shift;
    }
    __syncthreads();
  }
  return s.prefix;
}

__global__ void __launch_bounds__(kThreads) SampleKernel(float* __restrict__ logits, int64_t V,
                                                         const DeviceSampleRow* __restrict__ rows,
                                                         int32_t* __restrict__ out) {
  __shared__ Shared s;
  const DeviceSampleRow p = rows[blockIdx.x];
  if (!p.active) return;
  float* l = logits + static_cast<int64_t>(blockIdx.x) * V;
  const int tid = threadIdx.x;

  // Temperature and the row max (NaNs skipped, as RowMax, unless at index 0).
  float mx = -INFINITY;
  for (int64_t i = tid; i < V; i += kThreads) {
    float v = l[i];
    if (p.temperature != 1.0f) l[i] = v = v / p.temperature;
    mx = fmaxf(mx, v);
  }
  for (int o = 16; o > 0; o >>= 1) mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, o));
  if ((tid & 31) == 0) s.warp_f[tid >> 5] = mx;
  __syncthreads();
  float m = s.warp_f[0];
  for (int w = 1; w < kWarps; ++w) m = fmaxf(m, s.warp_f[w]);
  if (isnan(l[0]) || !isfinite(m)) return;  // invalid row: argmax stays

  const bool use_top_k = p.top_k > 0 && p.top_k < V, use_top_p = p.top_p < 1.0f, use_min_p = p.min_p > 0.0f;
  float cut = -INFINITY;  // kept: l >= cut (and the min_p test)
  const float min_p = p.min_p;
  auto min_p_ok = [=](float v) { return !use_min_p || FastExp(v - m) >= min_p; };
  if (use_top_k) {
    const uint32_t k = RadixSelect(l, V, m, 0, static_cast<unsigned long long>(p.top_k),
                                   [](float v) { return !isnan(v); }, s);
    cut = FromKey(k);
  }
  auto kept = [=](float v) { return v >= cut && min_p_ok(v); };
  if (use_top_p) {
    // The kept mass in fixed point, summed exactly (integers), so the threshold and the bins
    // use the same units; the CPU's double sum agrees to ~1e-12.
    unsigned long long z = 0;
    for (int64_t i = tid; i < V; i += kThreads) {
      const float v = l[i];
      if (kept(v)) z += Fixed(FastExp(v - m));
    }
    for (int o = 16; o > 0; o >>= 1) z += __shfl_xor_sync(0xffffffffu, z, o);
    __syncthreads();
    if ((tid & 31) == 0) s.warp_u[tid >> 5] = z;
    __syncthreads();
    unsigned long long zt = 0;
    for (int w = 0; w < kWarps; ++w) zt += s.warp_u[w];
    const double threshold = (static_cast<double>(p.top_p) - kTopPSlack) * static_cast<double>(zt);
    const unsigned long long need = threshold <= 0 ? 1ull : static_cast<unsigned long long>(ceil(threshold));
    const uint32_t kp = RadixSelect(l, V, m, 1, need, kept, s);
    cut = fmaxf(cut, FromKey(kp));
  }
  auto keep = [=](float v) { return v >= cut && min_p_ok(v); };

  // The draw over ascending ids: contiguous ranges per thread, summed in double.
  const int64_t chunk = (V + kThreads - 1) / kThreads;
  const int64_t b = tid * chunk, e = b + chunk < V ? b + chunk : V;
  // Calls f(id, w) for each kept id of [b, e) with positive weight, ascending; stops when f
  // returns true.
  auto walk = [&](auto f) {
    for (int64_t i = b; i < e; ++i) {
      const float v = l[i];
      if (!keep(v)) continue;
      const float w = FastExp(v - m);
      if (w > 0.0f && f(i, w)) return;
    }
  };
  double part = 0.0;
  int last = -1;
  walk([&](int64_t i, float w) {
    part += w;
    last = static_cast<int>(i);
    return false;
  });
  // The ranges tile [0, total) exactly: thread t's range is [lo, hi) with hi = before + its
  // inclusive warp prefix and lo = the previous lane's hi (before itself at lane 0), and
  // `before` adds the warps' totals in order, so each boundary is one value computed one way.
  const int lane = tid & 31, warp = tid >> 5;
  double incl = part;
  for (int o = 1; o < 32; o <<= 1) {
    const double t = __shfl_up_sync(0xffffffffu, incl, o);
    if (lane >= o) incl += t;
  }
  const double prev_incl = __shfl_up_sync(0xffffffffu, incl, 1);
  __syncthreads();
  if (lane == 31) s.warp_d[warp] = incl;
  int lastw = last;
  for (int o = 16; o > 0; o >>= 1) lastw = max(lastw, __shfl_xor_sync(0xffffffffu, lastw, o));
  if (lane == 0) s.warp_i[warp] = lastw;
  __syncthreads();
  double before = 0.0;
  for (int w = 0; w < warp; ++w) before += s.warp_d[w];
  double total = before;
  for (int w = warp; w < kWarps; ++w) total += s.warp_d[w];
  int last_positive = -1;
  for (int w = 0; w < kWarps; ++w) last_positive = max(last_positive, s.warp_i[w]);
  if (!(total > 0.0 && total < 1e300)) return;  // no mass: argmax stays
  const double lo = lane == 0 ? before : before + prev_incl, hi = before + incl;
  const double target = PhiloxUniform(p.seed, static_cast<uint64_t>(p.position)) * total;
  if (lo <= target && target < hi) {
    double cum = lo;
    int32_t pick = last;  // kept if rounding put the target at the range's very top
    walk([&](int64_t i, float w) {
      cum += w;
      if (cum > target) pick = static_cast<int32_t>(i);
      return cum > target;
    });
    out[blockIdx.x] = pick;
  } else if (tid == 0 && target >= total) {
    out[blockIdx.x] = last_positive;  // u * total rounded up to total: the last token with mass
  }
}

}  // namespace

void SampleRows(float* logits, int64_t rows, int64_t vocab, const DeviceSampleRow* params, int32_t* out_ids,
                Stream stream) {
  if (rows == 0) return;
  SampleKernel<<<static_cast<unsigned>(rows), kThreads, 0, stream>>>(logits, vocab, params, out_ids);
  CUDA_CHECK_LAUNCH();
}

}  // namespace vllm::cuda
