#include "bench/sse_parser.h"

#include <gtest/gtest.h>

namespace vllm::bench {
namespace {

std::vector<SseEvent> FeedInPieces(const std::string& s, size_t piece) {
  SseParser p;
  std::vector<SseEvent> out;
  for (size_t i = 0; i < s.size(); i += piece) p.Feed(std::string_view(s).substr(i, piece), &out);
  return out;
}

TEST(SseParser, SplitsEventsWhateverThePieceSize) {
  const std::string s = "data: {\"a\":1}\n\n: keep-alive\n\nevent: ping\ndata: x\n\ndata: [DONE]\n\n";
  for (size_t piece : {1, 2, 3, 7, 1000}) {
    const auto ev = FeedInPieces(s, piece);
    ASSERT_EQ(ev.size(), 3u) << "piece " << piece;
    EXPECT_EQ(ev[0].data, "{\"a\":1}");
    EXPECT_EQ(ev[0].event, "");
    EXPECT_EQ(ev[1].event, "ping");
    EXPECT_EQ(ev[1].data, "x");
    EXPECT_EQ(ev[2].data, "[DONE]");
  }
}

TEST(SseParser, CrLfAndBareCrLineEndings) {
  for (size_t piece : {1, 2, 100}) {
    const auto ev = FeedInPieces("data: a\r\n\r\ndata: b\r\rdata:c\n\n", piece);
    ASSERT_EQ(ev.size(), 3u) << "piece " << piece;
    EXPECT_EQ(ev[0].data, "a");
    EXPECT_EQ(ev[1].data, "b");
    EXPECT_EQ(ev[2].data, "c");  // no space after the colon is fine too
  }
}

TEST(SseParser, MultiLineDataJoinsWithNewline) {
  const auto ev = FeedInPieces("data: one\ndata:  two\n\n", 4);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].data, "one\n two");  // only the first space after ':' is framing
}

TEST(SseParser, PartialEventIsReportedNotDispatched) {
  SseParser p;
  std::vector<SseEvent> out;
  p.Feed("data: {\"a\":1}\n\ndata: {\"b\"", &out);
  EXPECT_EQ(out.size(), 1u);
  EXPECT_TRUE(p.HasPartialEvent());
  p.Feed(":2}\n", &out);
  EXPECT_EQ(out.size(), 1u);
  EXPECT_TRUE(p.HasPartialEvent());  // a data line without the blank line that ends the event
  p.Feed("\n", &out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].data, "{\"b\":2}");
  EXPECT_FALSE(p.HasPartialEvent());
}

TEST(SseParser, EventWithoutDataIsDropped) {
  const auto ev = FeedInPieces("event: x\n\nid: 3\n\n", 1);
  EXPECT_TRUE(ev.empty());
}

}  // namespace
}  // namespace vllm::bench
