#include "util/utf8.h"

#include <gtest/gtest.h>

namespace vllm {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

TEST(Utf8Test, Validation) {
  EXPECT_TRUE(utf8::IsValid("plain ascii"));
  EXPECT_TRUE(utf8::IsValid("\xF0\x9F\x98\x80 \xE6\x97\xA5 \xC3\xA9"));
  EXPECT_FALSE(utf8::IsValid("\x80"));
  EXPECT_FALSE(utf8::IsValid("\xC3"));
  EXPECT_FALSE(utf8::IsValid("\xE0\x80\x80"));  // overlong
  EXPECT_FALSE(utf8::IsValid("\xED\xA0\x80"));  // surrogate
  EXPECT_FALSE(utf8::IsValid("\xF4\x90\x80\x80"));
  EXPECT_EQ(utf8::FirstInvalid("ab\xFF" "c"), 2u);
}

// Expected values are Rust's String::from_utf8_lossy (maximal subparts).
TEST(Utf8Test, LossyMatchesRust) {
  EXPECT_EQ(utf8::ToValidLossy("a\xF0\x9F\x98"), "a" + kFffd);           // truncated: one
  EXPECT_EQ(utf8::ToValidLossy("\xF0\x9F\x98" "a"), kFffd + "a");
  EXPECT_EQ(utf8::ToValidLossy("\xE0\x80\x80"), kFffd + kFffd + kFffd);   // E0 80: bad 2nd
  EXPECT_EQ(utf8::ToValidLossy("\xE2\xE2\x82\xAC"), kFffd + "\xE2\x82\xAC");
  EXPECT_EQ(utf8::ToValidLossy("\xC3\xC3\xA9"), kFffd + "\xC3\xA9");
  EXPECT_EQ(utf8::ToValidLossy("\xFF\xFE"), kFffd + kFffd);
}

TEST(Utf8Test, CompletePrefixLength) {
  EXPECT_EQ(utf8::CompletePrefixLength("abc"), 3u);
  EXPECT_EQ(utf8::CompletePrefixLength("ab\xE6\x97"), 2u);
  EXPECT_EQ(utf8::CompletePrefixLength("ab\xE6\x97\xA5"), 5u);
  EXPECT_EQ(utf8::CompletePrefixLength("\xF0\x9F\x98"), 0u);
  EXPECT_EQ(utf8::CompletePrefixLength("a\xFF"), 2u);         // invalid, not pending
  EXPECT_EQ(utf8::CompletePrefixLength("\xE2\xE2\x82"), 1u);  // only the 2nd E2 pends
}

}  // namespace
}  // namespace vllm
