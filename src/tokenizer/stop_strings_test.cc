#include "tokenizer/stop_strings.h"

#include <gtest/gtest.h>

#include <random>

namespace vllm {
namespace {

struct StreamResult {
  std::string text;
  bool stopped = false;
  int stop_index = -1;
  size_t stop_offset = 0;
};

StreamResult Feed(StopStringMatcher& m, const std::vector<std::string>& deltas) {
  StreamResult run;
  for (const auto& d : deltas) {
    auto out = m.Feed(d);
    run.text += out.text;
    if (out.stopped) {
      run.stopped = true;
      run.stop_index = out.stop_index;
      run.stop_offset = out.stop_offset;
      return run;
    }
  }
  run.text += m.Flush();
  return run;
}

TEST(StopStringMatcherTest, StopSpanningDeltas) {
  StopStringMatcher m({"STOP"});
  auto a = m.Feed("hello ST");
  EXPECT_EQ(a.text, "hello ");  // "ST" could be the start of STOP: held
  EXPECT_FALSE(a.stopped);
  auto b = m.Feed("O");
  EXPECT_EQ(b.text, "");
  auto c = m.Feed("P and more");
  EXPECT_TRUE(c.stopped);
  EXPECT_EQ(c.stop_index, 0);
  EXPECT_EQ(c.stop_offset, 6u);  // "hello STOP": the stop starts at byte 6
  EXPECT_EQ(c.text, "");
  EXPECT_TRUE(m.Feed("x").stopped);  // stays stopped
}

TEST(StopStringMatcherTest, FalseStartIsReleased) {
  StopStringMatcher m({"STOP"});
  EXPECT_EQ(m.Feed("a ST").text, "a ");
  EXPECT_EQ(m.Feed("OX").text, "STOX");
  EXPECT_EQ(m.Feed("S").text, "");
  EXPECT_EQ(m.Flush(), "S");  // generation ended: the held tail goes out
}

TEST(StopStringMatcherTest, IncludeStopString) {
  StopStringMatcher m({"</answer>"}, /*include_stop_str_in_output=*/true);
  const StreamResult run = Feed(m, {"42</ans", "wer> trailing"});
  EXPECT_TRUE(run.stopped);
  EXPECT_EQ(run.text, "42</answer>");
}

TEST(StopStringMatcherTest, MultibyteStop) {
  StopStringMatcher m({"。\n", "终"});
  // "。" is 3 bytes (E3 80 82); deltas may split it only between characters in
  // practice, but a held prefix must never release half a character either way.
  auto a = m.Feed("答案\xE3\x80\x82");
  EXPECT_EQ(a.text, "答案");
  auto b = m.Feed("\n后");
  EXPECT_TRUE(b.stopped);
  EXPECT_EQ(b.stop_index, 0);
  EXPECT_EQ(b.text, "");
  StopStringMatcher m2({"终"});
  const StreamResult run = Feed(m2, {"开始", "最终结果"});
  EXPECT_EQ(run.text, "开始最");
  EXPECT_EQ(run.stop_index, 0);
}

TEST(StopStringMatcherTest, EarliestCompletedStopWins) {
  // "bc" completes before "abcd" could, so it wins regardless of list order.
  StopStringMatcher m({"abcd", "bc"});
  const StreamResult run = Feed(m, {"xabcd"});
  EXPECT_EQ(run.stop_index, 1);
  EXPECT_EQ(run.text, "xa");
  StopStringMatcher m2({"ab", "xab"});  // same end: the one starting first
  EXPECT_EQ(Feed(m2, {"zxab"}).stop_index, 1);
}

TEST(StopStringMatcherTest, NoStopsPassesEverything) {
  StopStringMatcher m({});
  EXPECT_EQ(m.Feed("abc").text, "abc");
  StopStringMatcher m2({""});
  EXPECT_EQ(m2.Feed("abc").text, "abc");
}

// Property: the result does not depend on how the text is cut into deltas, and equals a
// direct search on the whole text.
TEST(StopStringMatcherTest, ChunkingInvariance) {
  std::mt19937 rng(7);
  const std::vector<std::string> stops = {"ab", "bca", "ccc", "aXb"};
  for (int trial = 0; trial < 2000; ++trial) {
    std::string text;
    for (int k = 0, n = rng() % 20; k < n; ++k) text += "abcX"[rng() % 4];
    // Reference: smallest end, then smallest begin.
    size_t best_end = std::string::npos, best_begin = 0;
    int best = -1;
    for (size_t s = 0; s < stops.size(); ++s) {
      size_t pos = text.find(stops[s]);
      if (pos == std::string::npos) continue;
      size_t end = pos + stops[s].size();
      if (end < best_end || (end == best_end && pos < best_begin)) {
        best_end = end;
        best_begin = pos;
        best = static_cast<int>(s);
      }
    }
    std::vector<std::string> deltas;
    for (size_t i = 0; i < text.size();) {
      size_t len = 1 + rng() % 4;
      deltas.push_back(text.substr(i, len));
      i += len;
    }
    for (bool include : {false, true}) {
      StopStringMatcher m(stops, include);
      const StreamResult run = Feed(m, deltas);
      ASSERT_EQ(run.stop_index, best) << text;
      if (best >= 0) {
        ASSERT_EQ(run.stop_offset, best_begin) << text;
      }
      const std::string expected =
          best < 0 ? text : text.substr(0, include ? best_end : best_begin);
      ASSERT_EQ(run.text, expected) << text;
    }
  }
}

}  // namespace
}  // namespace vllm
