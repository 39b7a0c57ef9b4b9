#include "io/hub/hub_cache.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace vllm::hub {
namespace {

namespace fs = std::filesystem;

class HubCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vllm_hub_cache_XXXXXX";
    root_ = mkdtemp(tmpl);
  }
  void TearDown() override { fs::remove_all(root_); }
  std::string root_;
};

TEST_F(HubCacheTest, LayoutNamesAndRelativeLinks) {
  HubCache cache(root_);
  EXPECT_EQ(HubCache::RepoFolderName("Qwen/Qwen3-0.6B"), "models--Qwen--Qwen3-0.6B");
  const std::string commit(40, 'c');
  const std::string etag(64, 'e');
  fs::create_directories(root_ + "/models--o--n/blobs");
  std::ofstream(cache.BlobPath("o/n", etag)) << "bytes";
  ASSERT_TRUE(cache.LinkSnapshotFile("o/n", commit, "model.safetensors", etag).ok());
  ASSERT_TRUE(cache.LinkSnapshotFile("o/n", commit, "sub/dir/file.json", etag).ok());
  const fs::path snap = cache.SnapshotDir("o/n", commit);
  EXPECT_EQ(fs::read_symlink(snap / "model.safetensors").string(), "../../blobs/" + etag);
  EXPECT_EQ(fs::read_symlink(snap / "sub/dir/file.json").string(), "../../../../blobs/" + etag);
  std::ifstream f(snap / "sub/dir/file.json");
  std::string content;
  f >> content;
  EXPECT_EQ(content, "bytes");
  EXPECT_EQ(cache.LockPath("o/n", etag), root_ + "/.locks/models--o--n/" + etag + ".lock");
}

TEST_F(HubCacheTest, RefsResolveRevisions) {
  HubCache cache(root_);
  const std::string commit = "0123456789abcdef0123456789abcdef01234567";
  EXPECT_EQ(cache.ResolveCachedRevision("o/n", "main").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(cache.WriteRef("o/n", "main", commit).ok());
  ASSERT_TRUE(cache.WriteRef("o/n", "refs/pr/1", commit).ok());
  ASSERT_TRUE(cache.WriteRef("o/n", commit, commit).ok());  // a commit needs no ref
  EXPECT_FALSE(fs::exists(root_ + "/models--o--n/refs/" + commit));
  std::ifstream ref(root_ + "/models--o--n/refs/main");
  std::string text((std::istreambuf_iterator<char>(ref)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, commit);  // no newline, as huggingface_hub writes it
  EXPECT_EQ(cache.ResolveCachedRevision("o/n", "main").value(), commit);
  EXPECT_EQ(cache.ResolveCachedRevision("o/n", "refs/pr/1").value(), commit);
  fs::create_directories(cache.SnapshotDir("o/n", commit));
  EXPECT_EQ(cache.ResolveCachedRevision("o/n", commit).value(), commit);
}

TEST_F(HubCacheTest, TreeRoundTripsInHuggingfaceHubFormat) {
  HubCache cache(root_);
  const std::string commit(40, 'a');
  std::vector<RepoFile> files = {
      {.path = "model.safetensors",
       .size = 10,
       .blob_id = std::string(40, 'b'),
       .lfs_sha256 = std::string(64, 'c'),
       .lfs_size = 10},
      {.path = "config.json", .size = 3, .blob_id = std::string(40, 'd')}};
  ASSERT_TRUE(cache.WriteTree("o/n", commit, files).ok());
  std::ifstream f(root_ + "/models--o--n/trees/" + commit + ".json");
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  // json.dump(indent=1) of {"format_version", "files"} with files sorted by path.
  EXPECT_EQ(text,
            "{\n \"format_version\": 1,\n \"files\": {\n  \"config.json\": {\n   \"size\": 3,\n   "
            "\"blob_id\": \"" +
                std::string(40, 'd') +
                "\"\n  },\n  \"model.safetensors\": {\n   \"size\": 10,\n   \"blob_id\": \"" +
                std::string(40, 'b') + "\",\n   \"lfs_sha256\": \"" + std::string(64, 'c') +
                "\",\n   \"lfs_size\": 10\n  }\n }\n}");
  auto back = cache.ReadTree("o/n", commit);
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[1].etag(), std::string(64, 'c'));
  EXPECT_EQ((*back)[0].etag(), std::string(40, 'd'));
}

TEST_F(HubCacheTest, ListAndRemove) {
  HubCache cache(root_);
  const std::string commit(40, 'a');
  fs::create_directories(root_ + "/models--o--n/blobs");
  std::ofstream(cache.BlobPath("o/n", std::string(64, 'e'))) << "12345";
  std::ofstream(cache.BlobPath("o/n", std::string(64, 'f')) + ".incomplete")
      << "123";  // not counted
  ASSERT_TRUE(cache.WriteRef("o/n", "main", commit).ok());
  fs::create_directories(cache.SnapshotDir("o/n", commit));
  auto repos = cache.List();
  ASSERT_EQ(repos.size(), 1u);
  EXPECT_EQ(repos[0].repo_id, "o/n");
  EXPECT_EQ(repos[0].size_bytes, 5);
  EXPECT_EQ(repos[0].refs.at("main"), commit);
  EXPECT_EQ(repos[0].snapshots, std::vector<std::string>{commit});
  ASSERT_TRUE(cache.Remove("o/n").ok());
  EXPECT_TRUE(cache.List().empty());
  EXPECT_EQ(cache.Remove("o/n").code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace vllm::hub
