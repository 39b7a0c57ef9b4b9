#include "io/hub/hub_ref.h"

#include <gtest/gtest.h>

namespace vllm::hub {
namespace {

TEST(HubRef, ParsesNameRevisionAndQuant) {
  auto r = ParseHubRef("Qwen/Qwen3-0.6B");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->repo_id, "Qwen/Qwen3-0.6B");
  EXPECT_EQ(r->revision, "main");
  EXPECT_EQ(r->gguf_quant, "");

  r = ParseHubRef("unsloth/Qwen3-0.6B-GGUF:Q4_K_M");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->repo_id, "unsloth/Qwen3-0.6B-GGUF");
  EXPECT_EQ(r->gguf_quant, "Q4_K_M");

  r = ParseHubRef("org/name@refs/pr/3:Q8_0");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->repo_id, "org/name");
  EXPECT_EQ(r->revision, "refs/pr/3");
  EXPECT_EQ(r->gguf_quant, "Q8_0");
  EXPECT_EQ(r->ToString(), "org/name@refs/pr/3:Q8_0");
}

TEST(HubRef, RejectsWhatTheHubRejects) {
  for (const char* bad : {"", "name", "a/b/c", "/b", "a/", "a b/c", "a/b--c", "a/b..c", "-a/b",
                          "a/b.", "a/b@", "a/b:", "a/b@x/..", "a/b:Q4 K"}) {
    EXPECT_FALSE(ParseHubRef(bad).ok()) << bad;
    EXPECT_FALSE(LooksLikeHubName(bad)) << bad;
  }
  EXPECT_FALSE(LooksLikeHubName("a/" + std::string(100, 'x')));
  // A path that happens to hold one slash is a hub name by syntax; callers test the
  // filesystem first.
  EXPECT_TRUE(LooksLikeHubName("models/llama"));
}

TEST(HubRef, CommitHash) {
  EXPECT_TRUE(IsCommitHash("0123456789abcdef0123456789abcdef01234567"));
  EXPECT_FALSE(IsCommitHash("0123456789ABCDEF0123456789abcdef01234567"));
  EXPECT_FALSE(IsCommitHash("main"));
  EXPECT_FALSE(IsCommitHash("0123456789abcdef0123456789abcdef0123456"));
}

}  // namespace
}  // namespace vllm::hub
