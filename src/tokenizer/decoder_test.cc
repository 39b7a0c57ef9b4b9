#include "tokenizer/decoder.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace vllm {
namespace {

// Expected strings are HF tokenizers' decoders.X(...).decode(tokens) outputs.
std::string DecodeWith(const char* spec, std::vector<std::string> tokens) {
  auto decoder = MakeDecoder(nlohmann::json::parse(spec));
  EXPECT_TRUE(decoder.ok()) << decoder.status().message();
  (*decoder)->DecodeChain(&tokens);
  std::string joined;
  for (const auto& t : tokens) joined += t;
  return joined;
}

TEST(DecoderTest, MetaspaceDropsAllReplacementsOfFirstToken) {
  EXPECT_EQ(DecodeWith(R"({"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always"})",
                {"▁▁a▁c", "▁b"}),
            "ac b");
  EXPECT_EQ(DecodeWith(R"({"type": "Metaspace", "replacement": "▁", "prepend_scheme": "never"})",
                {"▁▁a", "▁b"}),
            "  a b");
  EXPECT_EQ(DecodeWith(R"({"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first"})",
                {"x▁a", "▁b"}),
            "xa b");
}

TEST(DecoderTest, StripIsPerToken) {
  EXPECT_EQ(DecodeWith(R"({"type": "Strip", "content": " ", "start": 2, "stop": 1})", {"   a  ", " b "}),
            " a b");
  EXPECT_EQ(DecodeWith(R"({"type": "Strip", "content": "x", "start": 1, "stop": 0})", {"xxa"}), "xa");
}

TEST(DecoderTest, ByteFallbackRuns) {
  // An invalid run gives one U+FFFD per byte, even for the valid 'A' inside it.
  EXPECT_EQ(DecodeWith(R"({"type": "ByteFallback"})",
                {"<0x41>", "<0xE6>", "a", "<0xe6>", "<0x97>", "<0xA5>"}),
            "\xEF\xBF\xBD\xEF\xBF\xBD" "a" "\xE6\x97\xA5");
}

TEST(DecoderTest, ReplaceAndUnknownType) {
  EXPECT_EQ(DecodeWith(R"({"type": "Replace", "pattern": {"String": "▁"}, "content": " "})",
                {"▁a▁", "b"}),
            " a b");
  EXPECT_EQ(MakeDecoder(nlohmann::json::parse(R"({"type": "CTC"})")).status().code(),
            StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace vllm
