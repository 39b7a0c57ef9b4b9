// Tensor-parallel sharding at load time: column slices of dense and MLX-affine matrices equal
// the same columns of the whole matrix (read back through the CPU MatMul with one-hot inputs,
// so the kernels' own unpacking is the reference), and ShardConfig's splits and errors.
#include "model/tp_shard_weights.h"

#include <gtest/gtest.h>

#include <random>

#include "kernels/owned_matrix.h"
#include "util/half.h"

namespace vllm {
namespace {

OwnedMatrix Random(int64_t rows, int64_t cols, int bits, int gs, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  OwnedMatrix w;
  w.rows = rows, w.cols = cols, w.bias = {};
  if (bits == 0) {  // dense bf16
    w.dtype = DType::kBF16;
    uint16_t* d = w.Own<uint16_t>(&WeightMatrix::data, rows * cols * 2);
    for (int64_t i = 0; i < rows * cols; ++i) d[i] = F32ToBf16(u(rng));
  } else {
    w.quantized = true, w.bits = bits, w.group_size = gs, w.scale_dtype = DType::kBF16;
    uint32_t* codes = w.Own<uint32_t>(&WeightMatrix::data, rows * w.words_per_row() * 4);
    for (int64_t i = 0; i < rows * w.words_per_row(); ++i) codes[i] = static_cast<uint32_t>(rng());
    const int64_t groups = rows * w.groups_per_row();
    uint16_t* s = w.Own<uint16_t>(&WeightMatrix::scales, groups * 2);
    uint16_t* b = w.Own<uint16_t>(&WeightMatrix::biases, groups * 2);
    for (int64_t i = 0; i < groups; ++i) s[i] = F32ToBf16(0.1f * u(rng)), b[i] = F32ToBf16(u(rng));
  }
  float* bias = w.Own<float>(&WeightMatrix::bias, rows * 4);
  for (int64_t i = 0; i < rows; ++i) bias[i] = u(rng);
  return w;
}

// Column c of W (+ bias) for every c: W @ e_c, one MatMul over the identity.
std::vector<float> Columns(Backend& b, const WeightMatrix& w) {
  std::vector<float> eye(static_cast<size_t>(w.cols * w.cols), 0.f), y(static_cast<size_t>(w.cols * w.rows));
  for (int64_t c = 0; c < w.cols; ++c) eye[c * w.cols + c] = 1.f;
  b.MatMul(w, eye.data(), w.cols, 0, y.data());
  return y;  // [cols, rows]
}

TEST(TpShardWeightsTest, CopyColumnsEqualsTheWholeMatrixsColumns) {
  auto backend = MakeBackend({.device = Device::kCpu, .num_threads = 1});
  ASSERT_TRUE(backend.ok());
  Backend& b = *backend.value();
  std::mt19937 rng(20);
  struct Case { int bits, gs; int64_t rows, cols, begin, n; };
  const Case cases[] = {{0, 0, 5, 96, 32, 48},  {0, 0, 1, 7, 3, 3},      {4, 64, 3, 256, 128, 128},
                        {8, 32, 7, 128, 32, 64}, {2, 32, 2, 192, 96, 64}, {3, 32, 3, 128, 64, 64},
                        {5, 128, 4, 384, 128, 256}, {6, 64, 9, 128, 0, 64}};
  for (const Case& k : cases) {
    SCOPED_TRACE("bits " + std::to_string(k.bits) + " group " + std::to_string(k.gs));
    OwnedMatrix w = Random(k.rows, k.cols, k.bits, k.gs, rng);
    WeightArena arena(b);
    auto s = CopyColumns(w, k.begin, k.n, arena);
    ASSERT_TRUE(s.ok()) << s.status().message();
    ASSERT_EQ(s->cols, k.n);
    ASSERT_EQ(s->rows, k.rows);
    const std::vector<float> whole = Columns(b, w), part = Columns(b, s.value());
    for (int64_t c = 0; c < k.n; ++c)
      for (int64_t r = 0; r < k.rows; ++r)
        ASSERT_EQ(part[c * k.rows + r], whole[(k.begin + c) * k.rows + r]) << "column " << c << " row " << r;
  }
}

TEST(TpShardWeightsTest, CopyColumnsRefusesAPartialGroup) {
  auto backend = MakeBackend({.device = Device::kCpu, .num_threads = 1});
  ASSERT_TRUE(backend.ok());
  std::mt19937 rng(1);
  OwnedMatrix w = Random(2, 640, 4, 128, rng);
  WeightArena arena(*backend.value());
  auto s = CopyColumns(w, 320, 320, arena);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("whole quantization groups of 128"), std::string::npos) << s.status().message();
}

ModelConfig Config(int64_t heads, int64_t kv, int64_t inter) {
  ModelConfig c;
  c.model_type = "llama";
  c.hidden_size = 64, c.num_hidden_layers = 2, c.head_dim = 16, c.vocab_size = 100;
  c.num_attention_heads = heads, c.num_key_value_heads = kv, c.intermediate_size = inter;
  return c;
}

TEST(TpShardWeightsTest, ShardConfigSplitsOrReplicatesKvHeads) {
  auto split = ShardConfig(Config(8, 4, 128), {.rank = 1, .world_size = 2});
  ASSERT_TRUE(split.ok());
  EXPECT_EQ(split->num_attention_heads, 4);
  EXPECT_EQ(split->num_key_value_heads, 2);
  EXPECT_EQ(split->intermediate_size, 64);
  EXPECT_EQ(split->hidden_size, 64);
  EXPECT_EQ(split->vocab_size, 100);
  auto replicated = ShardConfig(Config(8, 2, 128), {.rank = 3, .world_size = 4});
  ASSERT_TRUE(replicated.ok());
  EXPECT_EQ(replicated->num_attention_heads, 2);
  EXPECT_EQ(replicated->num_key_value_heads, 1);
  for (auto [heads, kv, inter, world, what] :
       {std::tuple{6, 2, 128, 4, "num_attention_heads"}, std::tuple{8, 8, 100, 8, "intermediate_size"},
        std::tuple{12, 3, 120, 2, "num_key_value_heads"}}) {
    auto bad = ShardConfig(Config(heads, kv, inter), {.rank = 0, .world_size = world});
    ASSERT_FALSE(bad.ok()) << what;
    EXPECT_NE(bad.status().message().find(what), std::string::npos) << bad.status().message();
  }
}

}  // namespace
}  // namespace vllm
