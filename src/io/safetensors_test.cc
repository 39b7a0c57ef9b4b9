#include "io/safetensors.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "io/weight_store.h"

namespace vllm {
namespace {

std::string Image(const std::string& header, const std::string& data, int64_t claimed_len = -1) {
  uint64_t n = claimed_len >= 0 ? static_cast<uint64_t>(claimed_len) : header.size();
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + header + data;
}

class SafetensorsTest : public ::testing::Test {
 protected:
  std::string dir_;
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            ("st_test_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& bytes) {
    std::string p = dir_ + "/" + name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
  Status OpenStatus(const std::string& bytes) {
    return SafetensorsFile::Open(Write("model.safetensors", bytes)).status();
  }
};

TEST_F(SafetensorsTest, ReadsUnalignedTensorsAndMetadata) {
  // Odd-length header (no padding, as MLX writes): tensor data lands at odd offsets.
  std::string header =
      R"({"__metadata__":{"format":"mlx"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
      R"("b":{"dtype":"BF16","shape":[1,3],"data_offsets":[9,15]}})";
  std::string data(15, '\0');
  float vals[2] = {1.5f, -2.25f};
  std::memcpy(&data[0], vals, 8);
  data[9] = 0x11;
  auto f = SafetensorsFile::Open(Write("model.safetensors", Image(header, data)));
  ASSERT_TRUE(f.ok()) << f.status().message();
  const TensorView* a = f->Find("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->dtype, DType::kF32);
  float got[2];
  std::memcpy(got, a->data, 8);
  EXPECT_EQ(got[0], 1.5f);
  EXPECT_EQ(got[1], -2.25f);
  const TensorView* b = f->Find("b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->shape, (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(b->data[0], 0x11);
  EXPECT_EQ(f->metadata().at("format"), "mlx");
  EXPECT_EQ(f->Find("missing"), nullptr);
}

TEST_F(SafetensorsTest, EmptyAndScalarTensorsAreLegal) {
  std::string header = R"({"e":{"dtype":"F32","shape":[0,4],"data_offsets":[0,0]},)"
                       R"("s":{"dtype":"I64","shape":[],"data_offsets":[0,8]}})";
  auto st = OpenStatus(Image(header, std::string(8, '\1')));
  EXPECT_TRUE(st.ok()) << st.message();
}

TEST_F(SafetensorsTest, TruncatedFiles) {
  EXPECT_EQ(OpenStatus("").code(), StatusCode::kDataLoss);
  EXPECT_EQ(OpenStatus("abc").code(), StatusCode::kDataLoss);
  std::string header = R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})";
  std::string full = Image(header, std::string(16, '\0'));
  for (size_t cut : {size_t{8}, size_t{20}, full.size() - 1}) {
    Status st = OpenStatus(full.substr(0, cut));
    EXPECT_EQ(st.code(), StatusCode::kDataLoss) << cut;
    EXPECT_NE(st.message().find("model.safetensors"), std::string::npos) << st.message();
  }
}

TEST_F(SafetensorsTest, HeaderLengthPastEndOrOverLimit) {
  Status st = OpenStatus(Image("{}", "", 1000));
  EXPECT_EQ(st.code(), StatusCode::kDataLoss);
  EXPECT_NE(st.message().find("past the end"), std::string::npos) << st.message();
  st = OpenStatus(Image("{}", "", int64_t{200'000'000}));
  EXPECT_NE(st.message().find("100 MB"), std::string::npos) << st.message();
  st = OpenStatus(Image("{}", "", int64_t{-1} & 0x7fffffffffffffff));
  EXPECT_EQ(st.code(), StatusCode::kDataLoss);
}

TEST_F(SafetensorsTest, MalformedJson) {
  EXPECT_NE(OpenStatus(Image("{\"a\":", "")).message().find("not valid JSON"), std::string::npos);
  EXPECT_NE(OpenStatus(Image("[1,2]", "")).message().find("not a JSON object"), std::string::npos);
  EXPECT_EQ(OpenStatus(Image(R"({"a":5})", "")).code(), StatusCode::kDataLoss);
  EXPECT_EQ(OpenStatus(Image(R"({"a":{"dtype":"F32","shape":[1]}})", "")).code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(OpenStatus(Image(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})",
                             std::string(4, '\0')))
                .code(),
            StatusCode::kDataLoss);
}

TEST_F(SafetensorsTest, UnknownDtype) {
  Status st = OpenStatus(Image(R"({"w":{"dtype":"Q4","shape":[1],"data_offsets":[0,1]}})", "x"));
  EXPECT_EQ(st.code(), StatusCode::kDataLoss);
  EXPECT_NE(st.message().find("unknown dtype 'Q4'"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("'w'"), std::string::npos) << st.message();
}

TEST_F(SafetensorsTest, ShapeBytesMismatch) {
  Status st = OpenStatus(Image(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})",
                               std::string(8, '\0')));
  EXPECT_NE(st.message().find("needs 12 bytes"), std::string::npos) << st.message();
}

TEST_F(SafetensorsTest, ShapeOverflowIsAnErrorNotACrash) {
  Status st = OpenStatus(Image(
      R"({"w":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,8]}})",
      std::string(8, '\0')));
  EXPECT_EQ(st.code(), StatusCode::kDataLoss);
  EXPECT_NE(st.message().find("overflow"), std::string::npos) << st.message();
}

TEST_F(SafetensorsTest, OffsetsOutOfRange) {
  Status st = OpenStatus(Image(R"({"w":{"dtype":"U8","shape":[8],"data_offsets":[4,12]}})",
                               std::string(8, '\0')));
  EXPECT_NE(st.message().find("past the end of the data"), std::string::npos) << st.message();
  st = OpenStatus(Image(R"({"w":{"dtype":"U8","shape":[0],"data_offsets":[6,2]}})",
                        std::string(8, '\0')));
  EXPECT_NE(st.message().find("begin > end"), std::string::npos) << st.message();
  st = OpenStatus(Image(R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[-1,0]}})",
                        std::string(8, '\0')));
  EXPECT_EQ(st.code(), StatusCode::kDataLoss);
}

TEST_F(SafetensorsTest, OverlappingOffsets) {
  Status st = OpenStatus(Image(R"({"a":{"dtype":"U8","shape":[6],"data_offsets":[0,6]},)"
                               R"("b":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}})",
                               std::string(8, '\0')));
  EXPECT_NE(st.message().find("overlap"), std::string::npos) << st.message();
}

TEST_F(SafetensorsTest, WeightStoreGlobsShardsAndRejectsDuplicates) {
  std::string h1 = R"({"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}})";
  std::string h2 = R"({"y":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}})";
  Write("model-00001-of-00002.safetensors", Image(h1, "a"));
  Write("model-00002-of-00002.safetensors", Image(h2, "b"));
  Write("other.safetensors", Image(h1, "c"));  // not model*: ignored, as mlx-lm does
  auto store = WeightStore::OpenDirectory(dir_);
  ASSERT_TRUE(store.ok()) << store.status().message();
  EXPECT_EQ(store->num_files(), 2u);
  EXPECT_EQ(store->Find("x")->data[0], 'a');
  EXPECT_EQ(store->Find("y")->data[0], 'b');
  Write("model-00003.safetensors", Image(h2, "d"));
  Status st = WeightStore::OpenDirectory(dir_).status();
  EXPECT_NE(st.message().find("also appears"), std::string::npos) << st.message();
}

TEST_F(SafetensorsTest, WeightStoreUsesIndexWhenPresent) {
  std::string h1 = R"({"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}})";
  Write("a.safetensors", Image(h1, "q"));
  Write("model.safetensors.index.json", R"({"weight_map":{"x":"a.safetensors"}})");
  auto store = WeightStore::OpenDirectory(dir_);
  ASSERT_TRUE(store.ok()) << store.status().message();
  EXPECT_EQ(store->Find("x")->data[0], 'q');
  Write("model.safetensors.index.json", R"({"weight_map":{"x":"../etc/passwd"}})");
  EXPECT_FALSE(WeightStore::OpenDirectory(dir_).ok());
  EXPECT_EQ(WeightStore::OpenDirectory(dir_ + "/nope").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace vllm
