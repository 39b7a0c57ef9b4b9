// Row gathers (embedding, GatherRows), the KV store's rounding, and greedy argmax against the
// CPU sampler's ArgMax.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "kernels/cuda/cuda_ops.h"
#include "paged_batch.h"
#include "sampler/basic_sampler.h"
#include "test_data.h"
#include "util/half.h"

namespace cuda_test {
namespace {

using vllm::DType;

TEST(CudaRows, EmbeddingEveryFormat) {
  std::mt19937 rng(31);
  const std::vector<int32_t> ids = {0, 49, 7, 7, 23};
  auto check = [&](const HostMatrix& h, const std::string& label) {
    const vllm::WeightMatrix r = h.HostView();
    const DeviceMatrix dw(h);
    DeviceArray<int32_t> did(ids);
    DeviceArray<float> out(ids.size() * h.cols);
    vllm::cuda::EmbeddingLookup(dw.view(), did.get(), static_cast<int64_t>(ids.size()), out.get(), nullptr);
    const std::vector<float> got = out.ToHost();
    for (size_t i = 0; i < ids.size(); ++i) {
      const std::vector<double> want = ref::Row(r, ids[i]);
      for (int64_t j = 0; j < h.cols; ++j)
        ASSERT_NEAR(got[i * h.cols + j], want[j], 1e-6 * (1 + std::abs(want[j]))) << label << " id " << ids[i];
    }
  };
  for (int bits : {2, 3, 4, 5, 6, 8})
    for (int gs : {32, 64, 128})
      for (DType sd : {DType::kF32, DType::kBF16, DType::kF16})
        check(RandomQuantized(50, 3 * gs, bits, gs, sd, rng), "bits=" + std::to_string(bits) + " gs=" + std::to_string(gs));
  for (DType dt : {DType::kF32, DType::kBF16, DType::kF16}) check(RandomDense(50, 77, dt, rng), "dense");
}

TEST(CudaRows, GatherRows) {
  std::mt19937 rng(32);
  const int64_t rows = 40, dim = 1001;
  const auto src = RandomFloats(rows * dim, rng);
  const std::vector<int32_t> idx = {39, 0, 5, 5};
  DeviceArray<float> ds(src), dd(idx.size() * dim);
  DeviceArray<int32_t> di(idx);
  vllm::cuda::GatherRows(ds.get(), di.get(), static_cast<int64_t>(idx.size()), dim, dd.get(), nullptr);
  const auto got = dd.ToHost();
  for (size_t i = 0; i < idx.size(); ++i)
    for (int64_t j = 0; j < dim; ++j) ASSERT_EQ(got[i * dim + j], src[idx[i] * dim + j]);
}

// bf16/f16 rounding on the device matches util/half.h bit for bit (ties and the f16 range
// included: values up to 1e5 overflow f16 to inf on both).
TEST(CudaRows, KvStoreRoundsLikeTheHost) {
  std::mt19937 rng(33);
  const int64_t KVH = 2, D = 64, T = 37, row = KVH * D;
  for (DType dt : {DType::kF32, DType::kBF16, DType::kF16}) {
    auto k = RandomFloats(T * row, rng, -1e5f, 1e5f), v = RandomFloats(T * row, rng, -1e-6f, 1e-6f);
    HostBatch b;
    for (int32_t t = 0; t < T; ++t) b.AddToken(0, t, t % 5 == 3 ? -1 : T - 1 - t);
    const DeviceBatch db(b);
    const size_t esz = vllm::DTypeSize(dt);
    DeviceArray<uint8_t> kc(T * row * esz), vc(T * row * esz);
    DeviceArray<float> dk(k), dv(v);
    const vllm::AttentionShape shape{.num_heads = KVH, .num_kv_heads = KVH, .head_dim = D, .block_size = 16};
    vllm::cuda::WriteKvCache(dk.get(), dv.get(), db.view(), shape, {kc.get(), vc.get(), dt}, nullptr);
    const auto kh = kc.ToHost(), vh = vc.ToHost();
    for (int32_t t = 0; t < T; ++t) {
      const int64_t slot = b.slot_mapping[t];
      if (slot < 0) continue;
      for (int64_t i = 0; i < row; ++i) {
        for (int which = 0; which < 2; ++which) {
          const float x = (which ? v : k)[t * row + i];
          const uint8_t* cell = (which ? vh : kh).data() + (slot * row + i) * esz;
          if (dt == DType::kF32) {
            float got;
            std::memcpy(&got, cell, 4);
            ASSERT_EQ(got, x);
          } else {
            uint16_t got;
            std::memcpy(&got, cell, 2);
            ASSERT_EQ(got, dt == DType::kBF16 ? vllm::F32ToBf16(x) : vllm::F32ToF16(x)) << "x=" << x;
          }
        }
      }
    }
    // Slots of padding tokens (t % 5 == 3 -> slot T-1-t) stayed poisoned.
    for (int32_t t = 3; t < T; t += 5)
      for (int64_t i = 0; i < static_cast<int64_t>(row * esz); ++i) ASSERT_EQ(kh[(T - 1 - t) * row * esz + i], 0xFF);
  }
}

TEST(CudaRows, ArgMaxMatchesTheCpuSampler) {
  std::mt19937 rng(34);
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  for (int64_t vocab : {1, 7, 1000, 151936}) {
    const int64_t rows = 9;
    auto logits = RandomFloats(rows * vocab, rng, -20.f, 20.f);
    auto row = [&](int64_t r) { return logits.data() + r * vocab; };
    if (vocab > 10) {
      row(1)[vocab - 1] = 50.f, row(1)[3] = 50.f;   // tie: the lower id wins
      row(2)[5] = nan, row(2)[6] = 100.f;           // NaN never wins
      row(3)[0] = nan;                              // NaN at 0: id 0, as the CPU
      for (int64_t i = 0; i < vocab; ++i) row(4)[i] = -inf;
      row(5)[vocab / 2] = inf;
      for (int64_t i = 0; i < vocab; ++i) row(6)[i] = 1.f;  // all equal: 0
    }
    DeviceArray<float> dl(logits);
    DeviceArray<int32_t> ids(rows);
    vllm::cuda::ArgMaxRows(dl.get(), rows, vocab, ids.get(), nullptr);
    const auto got = ids.ToHost();
    for (int64_t r = 0; r < rows; ++r) EXPECT_EQ(got[r], vllm::ArgMax(row(r), vocab)) << "vocab " << vocab << " row " << r;
  }
}

}  // namespace
}  // namespace cuda_test
