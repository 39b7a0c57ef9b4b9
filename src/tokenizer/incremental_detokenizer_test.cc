#include "tokenizer/incremental_detokenizer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "tokenizer/test_tokenizers.h"
#include "tokenizer/tokenizer.h"

namespace vllm {
namespace {

using Ids = std::vector<int32_t>;

using testing::Load;

// Every delta, then the flush.
std::vector<std::string> Stream(const Tokenizer& t, const Ids& ids, bool skip_special = false,
                                const Ids& prompt = {}) {
  IncrementalDetokenizer detok(t, prompt, skip_special);
  std::vector<std::string> deltas;
  for (int32_t id : ids) deltas.push_back(detok.Add(id));
  deltas.push_back(detok.Flush());
  return deltas;
}

std::string Join(const std::vector<std::string>& parts) {
  std::string s;
  for (const auto& p : parts) s += p;
  return s;
}

TEST(IncrementalDetokenizerTest, ByteLevelHoldsSplitCharacter) {
  auto t = Load(testing::kByteLevelJson);
  // é arrives as two single-byte tokens: nothing until the second completes it.
  EXPECT_EQ(Stream(*t, Ids{0, 7, 8, 1}),
            (std::vector<std::string>{"a", "", "\xC3\xA9", "b", ""}));
}

TEST(IncrementalDetokenizerTest, ByteLevelFlushEmitsReplacementForUnfinishedChar) {
  auto t = Load(testing::kByteLevelJson);
  EXPECT_EQ(Stream(*t, Ids{0, 7}), (std::vector<std::string>{"a", "", "\xEF\xBF\xBD"}));
  // An invalid byte followed by a valid one is released as soon as it is known invalid.
  EXPECT_EQ(Stream(*t, Ids{7, 0}), (std::vector<std::string>{"", "\xEF\xBF\xBD" "a", ""}));
}

TEST(IncrementalDetokenizerTest, SpecialTokensKeptOrSkipped) {
  auto t = Load(testing::kByteLevelJson);
  EXPECT_EQ(Join(Stream(*t, Ids{4, 10, 0}, false)), "ab<eos>a");
  EXPECT_EQ(Join(Stream(*t, Ids{4, 10, 0}, true)), "aba");
  EXPECT_EQ(Stream(*t, Ids{10}, true), (std::vector<std::string>{"", ""}));
}

TEST(IncrementalDetokenizerTest, PromptTailCompletesInOutput) {
  auto t = Load(testing::kByteLevelJson);
  // The prompt ends with the first byte of é; the first generated token finishes it.
  EXPECT_EQ(Stream(*t, Ids{8, 0}, false, Ids{0, 7}),
            (std::vector<std::string>{"\xC3\xA9", "a", ""}));
  // Not completed: the prompt's partial character is not output at the end.
  EXPECT_EQ(Stream(*t, Ids{}, false, Ids{0, 7}), (std::vector<std::string>{""}));
  // Broken by the next token: one U+FFFD for it, as decoding prompt+output would give.
  EXPECT_EQ(Stream(*t, Ids{0}, false, Ids{0, 7}),
            (std::vector<std::string>{"\xEF\xBF\xBD" "a", ""}));
}

TEST(IncrementalDetokenizerTest, SentencePieceLeadingSpace) {
  auto t = Load(testing::kSentencePieceJson);
  // Start of text: the first token's "▁" is the prepended one and disappears.
  EXPECT_EQ(Stream(*t, Ids{15, 6, 16, 10}),
            (std::vector<std::string>{"Hello", " ", "w", "o", ""}));
  // After a prompt the space is real: " Hello".
  EXPECT_EQ(Stream(*t, Ids{15}, false, Ids{1, 15}), (std::vector<std::string>{" Hello", ""}));
  // A special token first: its text is kept and the space after it too (HF strips only
  // the first token's leading space).
  EXPECT_EQ(Join(Stream(*t, Ids{1, 15, 6, 16})), t->Decode(Ids{1, 15, 6, 16}));
  EXPECT_EQ(Join(Stream(*t, Ids{1, 15, 6, 16}, true)), "Hello w");
}

TEST(IncrementalDetokenizerTest, SentencePieceByteFallback) {
  auto t = Load(testing::kSentencePieceJson);
  // 日 = <0xE6><0x97><0xA5>: held until the byte run ends (a later bad byte would turn
  // the whole run into U+FFFDs in Decode).
  EXPECT_EQ(Stream(*t, Ids{15, 3, 4, 5, 16}),
            (std::vector<std::string>{"Hello", "", "", "", "\xE6\x97\xA5" "w", ""}));
  EXPECT_EQ(Stream(*t, Ids{15, 3, 4, 5}),
            (std::vector<std::string>{"Hello", "", "", "", "\xE6\x97\xA5"}));
  // Two bytes of an unfinished char at the end: one U+FFFD per byte, as Decode gives.
  EXPECT_EQ(Join(Stream(*t, Ids{15, 3, 4})), t->Decode(Ids{15, 3, 4}));
  EXPECT_EQ(Join(Stream(*t, Ids{15, 3, 4})), "Hello\xEF\xBF\xBD\xEF\xBF\xBD");
}

// Property: streamed text == Decode(all ids), for random id sequences (which split UTF-8
// characters and mix in special tokens), on both strategies.
void ExpectStreamEqualsDecode(const Tokenizer& t, uint32_t seed, int num_sequences) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int32_t> any_id(0, t.vocab_size() - 1);
  for (int s = 0; s < num_sequences; ++s) {
    Ids ids(1 + rng() % 40);
    for (auto& id : ids) id = any_id(rng);
    for (bool skip : {false, true}) {
      EXPECT_EQ(Join(Stream(t, ids, skip)), t.Decode(ids, skip)) << "seed " << seed << " #" << s;
    }
  }
}

TEST(IncrementalDetokenizerTest, StreamEqualsDecodeTiny) {
  ExpectStreamEqualsDecode(*Load(testing::kByteLevelJson), 1, 500);
  ExpectStreamEqualsDecode(*Load(testing::kSentencePieceJson), 2, 500);
}

TEST(IncrementalDetokenizerTest, StreamEqualsDecodeQwen3) {
  const std::string dir = testing::Qwen3Dir();
  if (!std::filesystem::exists(dir + "/tokenizer.json")) GTEST_SKIP() << "no Qwen3 files";
  auto t = Tokenizer::FromDirectory(dir);
  ASSERT_TRUE(t.ok());
  ExpectStreamEqualsDecode(**t, 3, 300);
  // Real text with emoji and CJK split over several tokens.
  const std::string text = "Emoji 👨‍👩‍👧‍👦 and 🇯🇵, CJK 鑫龘, done.";
  auto ids = (*t)->Encode(text);
  ASSERT_TRUE(ids.ok());
  const auto deltas = Stream(**t, *ids);
  EXPECT_EQ(Join(deltas), text);
  for (const auto& d : deltas) {
    // Never a partial character in any delta.
    EXPECT_EQ(d.find("\xEF\xBF\xBD"), std::string::npos) << d;
  }
}

}  // namespace
}  // namespace vllm
