#include "tokenizer/tokenizer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tokenizer/test_tokenizers.h"

namespace vllm {
namespace {

using Ids = std::vector<int32_t>;

using testing::Load;

Ids Enc(const Tokenizer& t, std::string_view s, bool add_special = true,
        bool parse_special = true) {
  auto ids = t.Encode(s, add_special, parse_special);
  EXPECT_TRUE(ids.ok()) << ids.status().message();
  return ids.ok() ? *ids : Ids{};
}

TEST(TokenizerTest, ByteLevelBpeMergesByRankNotPosition) {
  auto t = Load(testing::kByteLevelJson);
  EXPECT_EQ(Enc(*t, "abc"), (Ids{5}));
  // "Ġ a b": (a,b) has rank 0 and wins over (Ġ,a) rank 2, leaving Ġ + ab.
  EXPECT_EQ(Enc(*t, " ab"), (Ids{3, 4}));
  EXPECT_EQ(Enc(*t, " a a"), (Ids{6, 6}));
  EXPECT_EQ(Enc(*t, "abcz"), (Ids{5}));  // no unk token: HF drops unknown chars
  EXPECT_EQ(Enc(*t, "\xC3\xA9"), (Ids{9}));  // é = bytes C3 A9 = chars Ã ©
  EXPECT_EQ(Enc(*t, ""), Ids{});
}

TEST(TokenizerTest, AddedTokenFlags) {
  auto t = Load(testing::kByteLevelJson);
  EXPECT_EQ(Enc(*t, "cab"), (Ids{11}));
  EXPECT_EQ(Enc(*t, "cab!"), (Ids{11}));
  EXPECT_EQ(Enc(*t, "cab cab"), (Ids{11, 3, 11}));
  EXPECT_EQ(Enc(*t, "xcab"), (Ids{2, 4}));  // single_word: glued to a word char, no match
  EXPECT_EQ(Enc(*t, "_cab"), (Ids{2, 4}));  // '_' counts as a word char
  EXPECT_EQ(Enc(*t, "a<sep> b"), (Ids{0, 12, 1}));   // rstrip eats the space
  EXPECT_EQ(Enc(*t, " <sep>  c"), (Ids{12, 2}));     // lstrip and rstrip
  EXPECT_EQ(Enc(*t, "ab<eos>c"), (Ids{4, 10, 2}));
  // Special-token text as plain text: '<', 'e', ... are not in this vocab, so dropped.
  EXPECT_EQ(Enc(*t, "ab<eos>c", true, /*parse_special=*/false), (Ids{4, 2}));
  EXPECT_TRUE(t->IsSpecial(10));
  EXPECT_FALSE(t->IsSpecial(11));
  EXPECT_FALSE(t->IsSpecial(4));
  EXPECT_EQ(t->TokenToId("<sep>"), 12);
  EXPECT_EQ(t->TokenToId("abc"), 5);
  EXPECT_EQ(t->TokenToId("nope"), std::nullopt);
  EXPECT_EQ(t->IdToToken(11), "cab");
  EXPECT_EQ(t->IdToToken(999), "");
  EXPECT_EQ(t->vocab_size(), 13);
}

TEST(TokenizerTest, ByteLevelDecode) {
  auto t = Load(testing::kByteLevelJson);
  const Ids ids{9, 0, 10};
  EXPECT_EQ(t->Decode(ids), "\xC3\xA9" "a<eos>");
  EXPECT_EQ(t->Decode(ids, /*skip_special_tokens=*/true), "\xC3\xA9" "a");
  // Lone bytes are invalid UTF-8: one U+FFFD each, as Rust's from_utf8_lossy.
  EXPECT_EQ(t->Decode(Ids{7}), "\xEF\xBF\xBD");
  EXPECT_EQ(t->Decode(Ids{7, 0, 8}), "\xEF\xBF\xBD" "a" "\xEF\xBF\xBD");
  EXPECT_EQ(t->Decode(Ids{7, 8}), "\xC3\xA9");  // bytes joined across tokens first
  EXPECT_EQ(t->Decode(Ids{12345}), "");          // unknown ids are skipped
}

TEST(TokenizerTest, SentencePieceStyle) {
  auto t = Load(testing::kSentencePieceJson);
  EXPECT_EQ(Enc(*t, "Hello world"), (Ids{1, 15, 6, 16, 10, 17, 9, 18}));
  EXPECT_EQ(Enc(*t, "Hello world", /*add_special=*/false), (Ids{15, 6, 16, 10, 17, 9, 18}));
  EXPECT_EQ(Enc(*t, "Hello  world"), (Ids{1, 15, 6, 6, 16, 10, 17, 9, 18}));
  EXPECT_EQ(Enc(*t, "\xE6\x97\xA5"), (Ids{1, 6, 3, 4, 5}));        // 日 via byte_fallback
  EXPECT_EQ(Enc(*t, "xx"), (Ids{1, 6, 0}));                          // fused unk
  EXPECT_EQ(Enc(*t, "<s>Hello"), (Ids{1, 1, 15}));
  EXPECT_EQ(Enc(*t, "Hellox\xE6\x97\xA5"), (Ids{1, 15, 3, 4, 5, 0}));  // HF's unk order

  EXPECT_EQ(t->Decode(Ids{1, 15, 6, 16, 10, 17, 9, 18}), "<s> Hello world");
  EXPECT_EQ(t->Decode(Ids{1, 15, 6, 16, 10, 17, 9, 18}, true), "Hello world");
  EXPECT_EQ(t->Decode(Ids{15, 3, 4, 5}), "Hello\xE6\x97\xA5");
  EXPECT_EQ(t->Decode(Ids{3, 4}), "\xEF\xBF\xBD\xEF\xBF\xBD");  // one U+FFFD per byte
  EXPECT_EQ(t->Decode(Ids{6, 6, 15}), "  Hello");
}

TEST(TokenizerTest, InvalidUtf8IsInvalidArgument) {
  auto t = Load(testing::kByteLevelJson);
  for (std::string_view bad : {std::string_view("ab\xFF"), std::string_view("\xC3"),
                               std::string_view("\xED\xA0\x80"),   // surrogate
                               std::string_view("\xC0\xAF"),       // overlong
                               std::string_view("a\xF4\x90\x80\x80")}) {  // > U+10FFFF
    auto ids = t->Encode(bad);
    ASSERT_FALSE(ids.ok());
    EXPECT_EQ(ids.status().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_TRUE(t->Encode("ok \xF0\x9F\x98\x80").ok());
}

TEST(TokenizerTest, MalformedJsonIsAnError) {
  EXPECT_FALSE(Tokenizer::FromJson("{").ok());
  EXPECT_FALSE(Tokenizer::FromJson(R"({"model": {"type": "Unigram", "vocab": []}})").ok());
  // A merge naming a token that is not in the vocab.
  EXPECT_FALSE(Tokenizer::FromJson(
                   R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}})")
                   .ok());
  EXPECT_FALSE(Tokenizer::FromJson(R"({"model": {"type": "BPE", "vocab": {"a": "x"}}})").ok());
  EXPECT_EQ(Tokenizer::FromDirectory("/nonexistent").status().code(), StatusCode::kNotFound);
}

TEST(TokenizerTest, ConfigFromDirectory) {
  const auto dir = std::filesystem::temp_directory_path() / "vllm_tokenizer_config_test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "tokenizer.json") << testing::kSentencePieceJson;
  std::ofstream(dir / "tokenizer_config.json") << R"({
    "bos_token": {"content": "<s>", "lstrip": false}, "eos_token": "</s>", "add_bos_token": true,
    "chat_template": [{"name": "default", "template": "{{ messages }}"},
                      {"name": "tool_use", "template": "{{ tools }}"}]})";
  std::ofstream(dir / "generation_config.json") << R"({"eos_token_id": [2, 0]})";
  auto t = Tokenizer::FromDirectory(dir.string());
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ((*t)->bos_token(), "<s>");
  EXPECT_EQ((*t)->bos_id(), 1);
  EXPECT_EQ((*t)->eos_token(), "</s>");
  EXPECT_EQ((*t)->eos_ids(), (Ids{2, 0}));
  EXPECT_EQ((*t)->config().add_bos_token, true);
  EXPECT_EQ((*t)->chat_template(), "{{ messages }}");
  EXPECT_EQ((*t)->chat_templates().at("tool_use"), "{{ tools }}");

  // chat_template.jinja beside it wins over the JSON.
  std::ofstream(dir / "chat_template.jinja") << "JINJA {{ x }}";
  auto t2 = Tokenizer::FromDirectory(dir.string());
  ASSERT_TRUE(t2.ok());
  EXPECT_EQ((*t2)->chat_template(), "JINJA {{ x }}");
  std::filesystem::remove_all(dir);
}

TEST(TokenizerTest, ConcurrentEncodeAgreesWithSerial) {
  auto t = Load(testing::kSentencePieceJson);
  std::vector<std::string> texts;
  for (int k = 0; k < 200; ++k) {
    texts.push_back(std::string(k % 7, ' ') + "Hello world x" + std::to_string(k));
  }
  std::vector<Ids> serial;
  for (const auto& s : texts) serial.push_back(Enc(*t, s));
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&] {
      for (int rep = 0; rep < 20; ++rep) {
        for (size_t k = 0; k < texts.size(); ++k) {
          auto ids = t->Encode(texts[k]);
          if (!ids.ok() || *ids != serial[k]) ++mismatches;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

class RealTokenizerTest : public ::testing::Test {
 protected:
  static std::unique_ptr<Tokenizer> LoadOrSkip(const std::string& dir) {
    if (!std::filesystem::exists(dir + "/tokenizer.json")) return nullptr;
    auto t = Tokenizer::FromDirectory(dir);
    EXPECT_TRUE(t.ok()) << t.status().message();
    return t.ok() ? std::move(t).value() : nullptr;
  }
};

// Ids checked against HF tokenizers 0.23.3; the full comparison is the pytest parity test.
TEST_F(RealTokenizerTest, Qwen3) {
  auto t = LoadOrSkip(testing::Qwen3Dir());
  if (!t) GTEST_SKIP() << "run scripts/setup.sh for the Qwen3 tokenizer files";
  EXPECT_EQ(Enc(*t, "Hello world, it's 12345 <|im_start|>user\n"),
            (Ids{9707, 1879, 11, 432, 594, 220, 16, 17, 18, 19, 20, 220, 151644, 872, 198}));
  EXPECT_EQ(Enc(*t, "I'M here"), (Ids{40, 27603, 1588}));
  EXPECT_EQ(t->eos_ids(), (Ids{151645}));
  EXPECT_EQ(t->bos_id(), std::nullopt);
  EXPECT_NE(t->chat_template().find("<|im_start|>"), std::string::npos);
  EXPECT_EQ(t->vocab_size(), 151669);
}

TEST_F(RealTokenizerTest, Llama3) {
  auto t = LoadOrSkip(testing::Llama3Dir());
  if (!t) GTEST_SKIP() << "run scripts/setup.sh for the Llama 3 tokenizer files";
  EXPECT_EQ(Enc(*t, "Hello world, it's 12345 <|im_start|>user\n"),
            (Ids{9906, 1917, 11, 433, 596, 220, 4513, 1774, 83739, 318, 5011, 91, 29, 882, 198}));
  EXPECT_EQ(t->bos_id(), 128000);
  EXPECT_EQ(t->bos_token(), "<|begin_of_text|>");
  EXPECT_TRUE(t->IsSpecial(128000));
}

}  // namespace
}  // namespace vllm
