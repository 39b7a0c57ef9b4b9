// WriteKvCache + PagedAttention against the dense double reference, through shuffled block
// tables, every cache dtype, with padding tokens; and batch invariance, bit for bit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "kernels/cuda/cuda_ops.h"
#include "paged_batch.h"
#include "test_data.h"

namespace cuda_test {
namespace {

using vllm::DType;

// Sequences with dense K/V [ctx, KVH*D], cached in shuffled blocks of one paged cache.
struct Scene {
  int64_t H, KVH, D, bs;
  DType dt;
  std::vector<int32_t> ctx;             // context length per sequence
  std::vector<std::vector<float>> k, v;  // dense, rounded to dt (what the cache holds)
  std::vector<std::vector<int32_t>> tables;
  int32_t stride = 0;
  DeviceArray<uint8_t> kc, vc;

  vllm::KvLayer layer() const { return {kc.get(), vc.get(), dt}; }
  vllm::AttentionShape shape() const {
    return {.num_heads = H, .num_kv_heads = KVH, .head_dim = D, .block_size = bs,
            .scale = 1.0f / std::sqrt(static_cast<float>(D))};
  }
  int64_t Slot(int s, int32_t p) const { return static_cast<int64_t>(tables[s][p / bs]) * bs + p % bs; }
};

// Fills the cache through WriteKvCache, with a padding token (slot -1) that must write nothing.
Scene MakeScene(int64_t H, int64_t KVH, int64_t D, int64_t bs, DType dt, std::vector<int32_t> ctx,
                std::mt19937& rng, float k_range = 1.f) {
  Scene sc{H, KVH, D, bs, dt, std::move(ctx)};
  const int64_t row = KVH * D;
  int64_t total_blocks = 0;
  for (int32_t c : sc.ctx) total_blocks += (c + bs - 1) / bs;
  std::vector<int32_t> perm(total_blocks + 1);  // one spare block the padding must not touch
  std::iota(perm.begin(), perm.end(), 0);
  std::shuffle(perm.begin(), perm.end(), rng);
  const size_t bytes = static_cast<size_t>((total_blocks + 1) * bs * row) * vllm::DTypeSize(dt);
  sc.kc = DeviceArray<uint8_t>(bytes);
  sc.vc = DeviceArray<uint8_t>(bytes);
  HostBatch all;
  std::vector<float> k_all, v_all;
  size_t next = 0;
  for (size_t s = 0; s < sc.ctx.size(); ++s) {
    const int32_t nb = (sc.ctx[s] + static_cast<int32_t>(bs) - 1) / static_cast<int32_t>(bs);
    sc.tables.emplace_back(perm.begin() + next, perm.begin() + next + nb);
    next += nb;
    sc.stride = std::max(sc.stride, nb + 1);
    sc.k.push_back(RandomFloats(sc.ctx[s] * row, rng, -k_range, k_range));
    sc.v.push_back(RandomFloats(sc.ctx[s] * row, rng));
    for (int32_t p = 0; p < sc.ctx[s]; ++p) {
      all.AddToken(static_cast<int32_t>(s), p, sc.Slot(static_cast<int>(s), p));
      k_all.insert(k_all.end(), sc.k[s].begin() + p * row, sc.k[s].begin() + (p + 1) * row);
      v_all.insert(v_all.end(), sc.v[s].begin() + p * row, sc.v[s].begin() + (p + 1) * row);
    }
    for (auto& x : sc.k[s]) x = RoundTo(dt, x);
    for (auto& x : sc.v[s]) x = RoundTo(dt, x);
  }
  all.AddToken(0, -1, -1);
  const std::vector<float> pad = RandomFloats(row, rng);
  k_all.insert(k_all.end(), pad.begin(), pad.end());
  v_all.insert(v_all.end(), pad.begin(), pad.end());
  const DeviceBatch db(all);
  DeviceArray<float> dk(k_all), dv(v_all);
  vllm::cuda::WriteKvCache(dk.get(), dv.get(), db.view(), sc.shape(), sc.layer(), nullptr);
  // The spare block kept its 0xFF poison: slot -1 wrote nothing anywhere.
  const std::vector<uint8_t> kh = sc.kc.ToHost();
  const int64_t spare = perm[total_blocks], blk = bs * row * static_cast<int64_t>(vllm::DTypeSize(dt));
  for (int64_t i = spare * blk; i < (spare + 1) * blk; ++i) EXPECT_EQ(kh[i], 0xFF) << "padding wrote the cache";
  return sc;
}

// Queries: for each sequence the last `fresh[s]` positions, plus one padding token; returns the
// CUDA output [T, H*D] and checks every sequence against the reference and padding == 0.
std::vector<float> RunAndCheck(const Scene& sc, const std::vector<int32_t>& fresh, std::mt19937& rng,
                               double tol, const std::string& label) {
  HostBatch b;
  b.block_table_stride = sc.stride;
  for (size_t s = 0; s < sc.ctx.size(); ++s) {
    for (int32_t p = sc.ctx[s] - fresh[s]; p < sc.ctx[s]; ++p) b.AddToken(static_cast<int32_t>(s), p, sc.Slot(s, p));
    b.query_start.push_back(b.num_tokens());
    b.seq_lens.push_back(sc.ctx[s]);
    std::vector<int32_t> t = sc.tables[s];
    t.resize(sc.stride, -1);
    b.block_tables.insert(b.block_tables.end(), t.begin(), t.end());
  }
  b.AddToken(0, -1, -1);
  const int64_t T = b.num_tokens(), HD = sc.H * sc.D;
  const std::vector<float> q = RandomFloats(T * HD, rng, -2.f, 2.f);
  const DeviceBatch db(b);
  DeviceArray<float> dq(q), dout(T * HD);
  DeviceArray<uint8_t> scratch(vllm::cuda::PagedAttentionScratchBytes(T, sc.shape()));
  vllm::cuda::PagedAttention(dq.get(), sc.layer(), db.view(), sc.shape(), dout.get(), scratch.get(), scratch.size(),
                             nullptr);
  const std::vector<float> out = dout.ToHost();
  int64_t t0 = 0;
  for (size_t s = 0; s < sc.ctx.size(); ++s) {
    const int64_t n = fresh[s];
    std::vector<float> qs(q.begin() + t0 * HD, q.begin() + (t0 + n) * HD);
    std::vector<int32_t> pos(b.positions.begin() + t0, b.positions.begin() + t0 + n);
    const auto want = ref::Attention(qs, sc.k[s], sc.v[s], pos, sc.H, sc.KVH, sc.D, 1.0 / std::sqrt(double(sc.D)));
    std::vector<float> got(out.begin() + t0 * HD, out.begin() + (t0 + n) * HD);
    EXPECT_LT(RelErr(got, want), tol) << label << " seq " << s;
    t0 += n;
  }
  for (int64_t i = (T - 1) * HD; i < T * HD; ++i) EXPECT_EQ(out[i], 0.f) << label << " padding row";
  return out;
}

// Mixed batch: a prefill chunk after a cached prefix, a decode token, a prefill from scratch.
TEST(CudaAttention, MixedBatchEveryDtype) {
  std::mt19937 rng(21);
  for (DType dt : {DType::kF32, DType::kBF16, DType::kF16})
    for (int64_t bs : {1, 5, 16})
      for (int64_t D : {32, 64, 128})
        for (auto [H, KVH] : {std::pair<int64_t, int64_t>{4, 2}, {3, 3}, {8, 1}, {16, 2}}) {
          const Scene sc = MakeScene(H, KVH, D, bs, dt, {23, 41, 9}, rng);
          RunAndCheck(sc, {7, 1, 9}, rng, 1e-5,
                      std::string(vllm::DTypeName(dt)) + " bs=" + std::to_string(bs) + " D=" + std::to_string(D) +
                          " H=" + std::to_string(H) + "/" + std::to_string(KVH));
        }
}

// Long contexts: 16 splits (and a 1-split, an uneven and a 2-split one), peaked scores, so a
// wrong max, a stale rescale or a bad combine shows.
TEST(CudaAttention, LongContextSplits) {
  std::mt19937 rng(22);
  for (auto [H, KVH, D] : {std::tuple<int64_t, int64_t, int64_t>{16, 8, 128}, {32, 8, 64}}) {
    const Scene sc = MakeScene(H, KVH, D, 16, DType::kBF16, {5000, 200, 999, 300}, rng, 3.f);
    RunAndCheck(sc, {3, 1, 1, 2}, rng, 1e-5, "long H=" + std::to_string(H));
  }
}

// 32 decoding sequences with staggered lengths (1 to 16 splits): each sequence's output is the
// same bits alone as in the batch.
TEST(CudaAttention, BatchInvariantBitwise) {
  std::mt19937 rng(23);
  std::vector<int32_t> ctx;
  for (int i = 0; i < 32; ++i) ctx.push_back(1 + (i * 613 + 17) % 6000);
  const Scene sc = MakeScene(16, 8, 128, 16, DType::kBF16, ctx, rng);
  const int64_t HD = sc.H * sc.D;
  const std::vector<float> q = RandomFloats(32 * HD, rng, -2.f, 2.f);
  DeviceArray<float> dq(q);
  auto run = [&](const std::vector<int>& seqs) {
    HostBatch b;
    b.block_table_stride = sc.stride;
    for (int s : seqs) {
      b.AddToken(static_cast<int32_t>(b.seq_lens.size()), sc.ctx[s] - 1, sc.Slot(s, sc.ctx[s] - 1));
      b.query_start.push_back(b.num_tokens());
      b.seq_lens.push_back(sc.ctx[s]);
      std::vector<int32_t> t = sc.tables[s];
      t.resize(sc.stride, -1);
      b.block_tables.insert(b.block_tables.end(), t.begin(), t.end());
    }
    const DeviceBatch db(b);
    DeviceArray<float> dout(seqs.size() * HD);
    DeviceArray<uint8_t> scratch(vllm::cuda::PagedAttentionScratchBytes(b.num_tokens(), sc.shape()));
    // q rows in the batch's order: seq s uses q row s.
    std::vector<float> qb;
    for (int s : seqs) qb.insert(qb.end(), q.begin() + s * HD, q.begin() + (s + 1) * HD);
    DeviceArray<float> dqb(qb);
    vllm::cuda::PagedAttention(dqb.get(), sc.layer(), db.view(), sc.shape(), dout.get(), scratch.get(),
                               scratch.size(), nullptr);
    return dout.ToHost();
  };
  std::vector<int> all(32);
  std::iota(all.begin(), all.end(), 0);
  const std::vector<float> batched = run(all);
  for (int s = 0; s < 32; ++s) {
    const std::vector<float> alone = run({s});
    for (int64_t i = 0; i < HD; ++i)
      ASSERT_EQ(alone[i], batched[s * HD + i]) << "seq " << s << " (ctx " << ctx[s] << ") element " << i;
  }
  // And the batch against the reference, for a short and the longest sequence.
  for (int s : {0, static_cast<int>(std::max_element(ctx.begin(), ctx.end()) - ctx.begin())}) {
    std::vector<float> qs(q.begin() + s * HD, q.begin() + (s + 1) * HD);
    const auto want = ref::Attention(qs, sc.k[s], sc.v[s], {ctx[s] - 1}, sc.H, sc.KVH, sc.D, 1.0 / std::sqrt(128.0));
    std::vector<float> got(batched.begin() + s * HD, batched.begin() + (s + 1) * HD);
    EXPECT_LT(RelErr(got, want), 1e-5) << "seq " << s;
  }
}

}  // namespace
}  // namespace cuda_test
