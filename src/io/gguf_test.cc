// The GGUF reader against hand-built byte images: a valid file, every kind of corruption the
// header validation covers (each one line naming the file and the field), every truncation
// length and random byte flips (which must never read out of bounds: make test-asan runs this).
#include "io/gguf.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>

namespace vllm {
namespace {

// Little-endian GGUF v3 writer for the tests: two metadata keys and two tensors (an F32
// vector and a Q8_0 matrix), offsets aligned to 32.
struct Image {
  std::string bytes;
  size_t tensor_count_at = 8, kv_count_at = 16;
  size_t first_key_len_at = 0, q8_type_at = 0, q8_offset_at = 0, q8_ne1_at = 0, vec_offset_at = 0, data_at = 0;

  template <typename T>
  void Put(T v) {
    bytes.append(reinterpret_cast<const char*>(&v), sizeof(T));
  }
  void Str(const std::string& s) {
    Put<uint64_t>(s.size());
    bytes += s;
  }
  template <typename T>
  void Set(size_t at, T v) {
    std::memcpy(bytes.data() + at, &v, sizeof(T));
  }

  static Image Valid() {
    Image m;
    m.bytes = "GGUF";
    m.Put<uint32_t>(3);
    m.Put<uint64_t>(2);  // tensors
    m.Put<uint64_t>(3);  // kv
    m.first_key_len_at = m.bytes.size();
    m.Str("general.architecture");
    m.Put<uint32_t>(8);
    m.Str("llama");
    m.Str("tokenizer.ggml.tokens");
    m.Put<uint32_t>(9);
    m.Put<uint32_t>(8);
    m.Put<uint64_t>(2);
    m.Str("a");
    m.Str("b");
    m.Str("llama.block_count");
    m.Put<uint32_t>(4);
    m.Put<uint32_t>(1);
    // tensor 0: "v" f32 [8] at 0 (32 bytes)
    m.Str("v");
    m.Put<uint32_t>(1);
    m.Put<uint64_t>(8);
    m.Put<uint32_t>(0);
    m.vec_offset_at = m.bytes.size();
    m.Put<uint64_t>(0);
    // tensor 1: "q" Q8_0 ne {64, 3} at 32 (3 rows x 2 blocks x 34 bytes)
    m.Str("q");
    m.Put<uint32_t>(2);
    m.Put<uint64_t>(64);
    m.q8_ne1_at = m.bytes.size();
    m.Put<uint64_t>(3);
    m.q8_type_at = m.bytes.size();
    m.Put<uint32_t>(8);
    m.q8_offset_at = m.bytes.size();
    m.Put<uint64_t>(32);
    while (m.bytes.size() % 32) m.bytes += '\0';
    m.data_at = m.bytes.size();
    m.bytes += std::string(32 + 3 * 2 * 34, '\x01');
    return m;
  }
};

class GgufTest : public ::testing::Test {
 protected:
  std::string dir_;
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            ("gguf_test_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& bytes, const std::string& name = "m.gguf") {
    const std::string p = dir_ + "/" + name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
  // The error of opening `bytes`; checks it is one line naming the file.
  std::string Error(const std::string& bytes) {
    const std::string p = Write(bytes);
    auto f = GgufFile::Open(p);
    EXPECT_FALSE(f.ok());
    if (f.ok()) return "";
    const std::string msg = f.status().message();
    EXPECT_NE(msg.find(p), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    return msg;
  }
};

TEST_F(GgufTest, ValidImageParses) {
  Image m = Image::Valid();
  auto f = GgufFile::Open(Write(m.bytes));
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->version(), 3u);
  EXPECT_EQ(f->String("general.architecture").value(), "llama");
  EXPECT_EQ(f->Int("llama.block_count").value(), 1);
  auto tokens = f->Array("tokenizer.ggml.tokens", GgufType::kString);
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(tokens.value()->strings[1], "b");
  ASSERT_EQ(f->tensors().size(), 2u);
  const GgufTensor& q = f->tensors()[1];
  EXPECT_EQ(q.name, "q");
  EXPECT_EQ(q.num_bytes, 3u * 2 * 34);
  EXPECT_NE(q.data, nullptr);
  // Typed lookups name the key on a mismatch.
  EXPECT_NE(f->Int("general.architecture").status().message().find("general.architecture"), std::string::npos);
  EXPECT_FALSE(f->String("missing.key").ok());
}

TEST_F(GgufTest, EachCorruptionIsOneLineNamingTheField) {
  struct Case {
    const char* what;
    std::function<void(Image&)> edit;
    const char* needle;
  };
  const std::vector<Case> cases = {
      {"magic", [](Image& m) { m.bytes[3] = 'X'; }, "magic"},
      {"version", [](Image& m) { m.Set<uint32_t>(4, 1); }, "version"},
      {"tensor count", [](Image& m) { m.Set<uint64_t>(m.tensor_count_at, uint64_t{1} << 61); }, "tensor_count"},
      {"kv count", [](Image& m) { m.Set<uint64_t>(m.kv_count_at, uint64_t{1} << 61); }, "metadata_kv_count"},
      {"key length", [](Image& m) { m.Set<uint64_t>(m.first_key_len_at, uint64_t{1} << 62); }, "length"},
      {"unknown type", [](Image& m) { m.Set<uint32_t>(m.q8_type_at, 99); }, "unknown ggml type 99"},
      {"unsupported type", [](Image& m) { m.Set<uint32_t>(m.q8_type_at, 16); }, "IQ2_XXS"},
      {"misaligned", [](Image& m) { m.Set<uint64_t>(m.q8_offset_at, 33); }, "alignment"},
      {"overlap", [](Image& m) { m.Set<uint64_t>(m.q8_offset_at, 0); }, "overlaps"},
      {"past the end", [](Image& m) { m.Set<uint64_t>(m.q8_offset_at, 1 << 20); }, "past the end"},
      {"rows overflow", [](Image& m) { m.Set<uint64_t>(m.q8_ne1_at, uint64_t{1} << 40); }, "'q'"},
      {"vec offset", [](Image& m) { m.Set<uint64_t>(m.vec_offset_at, ~uint64_t{0} - 31); }, "'v'"},
      {"block size", [](Image& m) { m.Set<uint64_t>(m.q8_ne1_at - 8, 48); }, "block size"},
  };
  for (const Case& c : cases) {
    Image m = Image::Valid();
    c.edit(m);
    const std::string msg = Error(m.bytes);
    EXPECT_NE(msg.find(c.needle), std::string::npos) << c.what << ": " << msg;
  }
}

TEST_F(GgufTest, EveryTruncationFails) {
  const Image m = Image::Valid();
  for (size_t n = 0; n < m.bytes.size(); ++n) {
    const std::string msg = Error(m.bytes.substr(0, n));
    EXPECT_FALSE(msg.empty()) << "prefix " << n;
  }
}

TEST_F(GgufTest, RandomByteFlipsNeverCrash) {
  const Image base = Image::Valid();
  std::mt19937 rng(11);
  int failures = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    Image m = base;
    for (int k = 0; k < 1 + trial % 4; ++k) {
      const size_t at = rng() % m.data_at;  // the header, where all the parsing happens
      m.bytes[at] = static_cast<char>(rng());
    }
    const std::string p = Write(m.bytes);
    auto f = GgufFile::Open(p);
    if (!f.ok()) {
      ++failures;
      continue;
    }
    for (const GgufTensor& t : f->tensors()) {  // whatever parsed must lie inside the file
      ASSERT_NE(t.data, nullptr);
      volatile uint8_t sink = t.num_bytes ? t.data[t.num_bytes - 1] : 0;
      (void)sink;
    }
  }
  EXPECT_GT(failures, 1000);  // most flips must be caught
}

TEST_F(GgufTest, SplitModelJoinsParts) {
  // Two parts, each with split.count = 2 and split.no = 0 / 1, one tensor each.
  auto part = [&](int no, const std::string& tensor) {
    Image m;
    m.bytes = "GGUF";
    m.Put<uint32_t>(3);
    m.Put<uint64_t>(1);
    m.Put<uint64_t>(2);
    m.Str("split.count");
    m.Put<uint32_t>(2);
    m.Put<uint16_t>(2);
    m.Str("split.no");
    m.Put<uint32_t>(2);
    m.Put<uint16_t>(static_cast<uint16_t>(no));
    m.Str(tensor);
    m.Put<uint32_t>(1);
    m.Put<uint64_t>(4);
    m.Put<uint32_t>(0);
    m.Put<uint64_t>(0);
    while (m.bytes.size() % 32) m.bytes += '\0';
    m.bytes += std::string(16, '\0');
    return m.bytes;
  };
  const std::string first = Write(part(0, "a"), "x-00001-of-00002.gguf");
  Write(part(1, "b"), "x-00002-of-00002.gguf");
  auto model = GgufModel::Open(first);
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_EQ(model->num_files(), 2u);
  EXPECT_NE(model->Find("a"), nullptr);
  EXPECT_NE(model->Find("b"), nullptr);
  auto from_dir = GgufModel::Open(dir_);
  ASSERT_TRUE(from_dir.ok()) << from_dir.status().message();
  std::filesystem::remove(dir_ + "/x-00002-of-00002.gguf");
  auto missing = GgufModel::Open(first);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("x-00002-of-00002.gguf"), std::string::npos);
}

}  // namespace
}  // namespace vllm
