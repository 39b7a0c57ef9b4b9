#include "io/hub/checksum.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace vllm::hub {
namespace {

std::string TempFile(const std::string& bytes) {
  char name[] = "/tmp/vllm_checksum_XXXXXX";
  const int fd = mkstemp(name);
  EXPECT_GE(fd, 0);
  close(fd);
  std::ofstream(name, std::ios::binary) << bytes;
  return name;
}

TEST(Checksum, KnownDigests) {
  // sha256("abc") (FIPS 180-2) and `git hash-object` of "hello\n".
  EXPECT_EQ(BytesChecksum("abc", ChecksumKind::kSha256),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(BytesChecksum("hello\n", ChecksumKind::kGitSha1),
            "ce013625030ba8dba906f756967f9e9ca394464a");
  EXPECT_EQ(BytesChecksum("", ChecksumKind::kGitSha1), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
}

TEST(Checksum, FileMatchesBytesAndVerifies) {
  std::string bytes(3 << 20, '\0');  // several read chunks, with an odd tail
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 131 + 7);
  bytes += "tail";
  const std::string path = TempFile(bytes);
  for (ChecksumKind kind : {ChecksumKind::kSha256, ChecksumKind::kGitSha1}) {
    auto got = FileChecksum(path, kind);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got.value(), BytesChecksum(bytes, kind));
    EXPECT_TRUE(VerifyFile(path, got.value(), "f").ok());
  }
  const std::string wrong = BytesChecksum(bytes + "x", ChecksumKind::kSha256);
  const Status st = VerifyFile(path, wrong, "model.safetensors");
  EXPECT_EQ(st.code(), StatusCode::kDataLoss);
  EXPECT_NE(st.message().find("model.safetensors: checksum mismatch"), std::string::npos)
      << st.message();
  std::remove(path.c_str());
}

TEST(Checksum, KindFromEtag) {
  EXPECT_EQ(ChecksumKindOf(std::string(64, 'a')), ChecksumKind::kSha256);
  EXPECT_EQ(ChecksumKindOf(std::string(40, '0')), ChecksumKind::kGitSha1);
  EXPECT_FALSE(ChecksumKindOf("W/abc").has_value());
  EXPECT_FALSE(ChecksumKindOf(std::string(64, 'g')).has_value());
}

}  // namespace
}  // namespace vllm::hub
