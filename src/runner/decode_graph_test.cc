#include "runner/decode_graph.h"

#include <gtest/gtest.h>

#include "runner/batch_inputs.h"

namespace vllm {
namespace {

TEST(DecodeGraphTest, BucketsCoverEverySizeAndNeverStraddleTheGemvLimit) {
  int32_t prev = 0;
  for (int32_t n = 1; n <= kMaxGraphBatch; ++n) {
    const int32_t b = GraphBatchBucket(n);
    ASSERT_GE(b, n);
    ASSERT_GE(b, prev) << "buckets grow with n";
    ASSERT_EQ(n <= 8, b <= 8) << n << " -> " << b << " crosses the m <= 8 GEMV / tensor-core boundary";
    ASSERT_LE(b - n, n <= 64 ? 7 : 31) << "padding bounded";
    prev = b;
  }
  EXPECT_EQ(GraphBatchBucket(1), 1);
  EXPECT_EQ(GraphBatchBucket(3), 4);
  EXPECT_EQ(GraphBatchBucket(5), 8);
  EXPECT_EQ(GraphBatchBucket(9), 16);
  EXPECT_EQ(GraphBatchBucket(65), 96);
  EXPECT_EQ(GraphBatchBucket(0), 0);
  EXPECT_EQ(GraphBatchBucket(kMaxGraphBatch + 1), 0);
}

TEST(DecodeGraphTest, OnlyAllDecodeStepsAreGraphed) {
  EXPECT_EQ(PlanDecodeGraph(5, 5, 3, 2048).batch, 8);
  EXPECT_EQ(PlanDecodeGraph(5, 5, 3, 2048).stride, 16);
  EXPECT_EQ(PlanDecodeGraph(5, 5, 17, 2048).stride, 32);
  EXPECT_EQ(PlanDecodeGraph(5, 5, 100, 2048).stride, 128);
  EXPECT_FALSE(PlanDecodeGraph(4, 5, 3, 2048).graphed()) << "a prefill among the decodes";
  EXPECT_FALSE(PlanDecodeGraph(300, 300, 3, 2048).graphed()) << "above the largest bucket";
  EXPECT_FALSE(PlanDecodeGraph(5, 5, 3, 4).graphed()) << "bucket above the model's scratch";
  EXPECT_FALSE(PlanDecodeGraph(0, 0, 1, 2048).graphed());
  // Keys differ whenever the batch, the stride (the staged layout) or the owner does.
  EXPECT_NE(PlanDecodeGraph(5, 5, 3, 2048).key(1), PlanDecodeGraph(9, 9, 3, 2048).key(1));
  EXPECT_NE(PlanDecodeGraph(5, 5, 3, 2048).key(1), PlanDecodeGraph(5, 5, 17, 2048).key(1));
  EXPECT_NE(PlanDecodeGraph(5, 5, 3, 2048).key(1), PlanDecodeGraph(5, 5, 3, 2048).key(2));
  EXPECT_EQ(PlanDecodeGraph(5, 5, 3, 2048).key(1), PlanDecodeGraph(7, 7, 9, 2048).key(1));
  EXPECT_EQ(PlanDecodeGraph(200, 200, 5000, 2048).key(1) >> 40, 1u) << "fields do not overlap";
}

TEST(DecodeGraphTest, PaddingRowsAreInertAndKeepTheLayout) {
  BatchInputs in;
  in.Begin(16);
  const int32_t toks[] = {42};
  const int32_t blocks[] = {3, 5};
  in.AddSequence(toks, 20, blocks, 16, true);
  in.num_decode_tokens = 1;
  in.AddPaddingRow();
  in.AddPaddingRow();
  EXPECT_EQ(in.num_tokens(), 3);
  EXPECT_EQ(in.num_seqs(), 3);
  EXPECT_EQ(in.block_tables.size(), 3u * 16);
  EXPECT_EQ(in.query_start, (std::vector<int32_t>{0, 1, 2, 3}));
  EXPECT_EQ(in.logits_indices, (std::vector<int32_t>{0, 1, 2}));
  EXPECT_EQ(in.positions, (std::vector<int32_t>{20, -1, -1}));
  EXPECT_EQ(in.slot_mapping, (std::vector<int64_t>{5 * 16 + 4, -1, -1}));
  EXPECT_EQ(in.seq_lens, (std::vector<int32_t>{21, 0, 0}));
  for (size_t i = 16; i < in.block_tables.size(); ++i) EXPECT_EQ(in.block_tables[i], -1);
  EXPECT_EQ(in.max_seq_len, 21);
  EXPECT_EQ(in.max_query_len, 1);
  EXPECT_EQ(in.num_decode_tokens, 3) << "padding after decode rows runs on the decode kernel";
  BatchInputs mixed;
  mixed.Begin(4);
  const int32_t prompt[] = {1, 2, 3};
  mixed.AddSequence(prompt, 0, blocks, 16, true);
  mixed.AddPaddingRow();
  EXPECT_EQ(mixed.num_decode_tokens, 0) << "decode rows are a prefix";
}

}  // namespace
}  // namespace vllm
