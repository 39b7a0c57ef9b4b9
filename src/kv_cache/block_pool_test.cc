// BlockPool and KvCacheManager in the style of vLLM's tests: exact block ids, reference
// counts and free-queue order after allocations, frees, hits and evictions.
#include <gtest/gtest.h>

#include <numeric>

#include "kv_cache/kv_cache_manager.h"

namespace vllm {
namespace {

using Ids = std::vector<int32_t>;

std::vector<int32_t> Range(int32_t begin, int32_t end) {
  std::vector<int32_t> v(end - begin);
  std::iota(v.begin(), v.end(), begin);
  return v;
}

TEST(BlockPoolTest, AllocateFreeOrderAndRefCounts) {
  BlockPool pool(6, 4);
  Ids a, b;
  ASSERT_TRUE(pool.Allocate(2, &a));
  ASSERT_TRUE(pool.Allocate(3, &b));
  EXPECT_EQ(a, (Ids{0, 1}));
  EXPECT_EQ(b, (Ids{2, 3, 4}));
  EXPECT_EQ(pool.NumFreeBlocks(), 1);
  Ids c;
  EXPECT_FALSE(pool.Allocate(2, &c)) << "all or nothing";
  EXPECT_TRUE(c.empty());
  EXPECT_EQ(pool.NumFreeBlocks(), 1);
  pool.Free(Ids{1, 0});  // a sequence frees last-first
  EXPECT_EQ(pool.PlainFreeQueue(), (Ids{5, 1, 0}));
  ASSERT_TRUE(pool.Allocate(2, &c));
  EXPECT_EQ(c, (Ids{5, 1}));
  EXPECT_TRUE(pool.CheckInvariants().ok());
}

TEST(BlockPoolTest, CachedBlocksAreEvictedOnlyAfterPlainOnesLruFirst) {
  BlockPool pool(4, 2);
  Ids a;
  ASSERT_TRUE(pool.Allocate(2, &a));  // 0, 1
  const std::vector<int32_t> t0 = {10, 11}, t1 = {12, 13};
  const uint64_t g0 = pool.Cache(0, 100, 0, 0, t0);
  pool.Cache(1, 101, g0, 0, t1);
  pool.Free(Ids{1, 0});
  EXPECT_EQ(pool.CachedFreeQueue(), (Ids{1, 0}));
  EXPECT_EQ(pool.PlainFreeQueue(), (Ids{2, 3}));
  Ids b;
  ASSERT_TRUE(pool.Allocate(2, &b));
  EXPECT_EQ(b, (Ids{2, 3})) << "plain free blocks go first";
  EXPECT_EQ(pool.stats().evictions, 0);
  EXPECT_EQ(pool.Lookup(100, 0, 0, t0), 0);
  Ids c;
  ASSERT_TRUE(pool.Allocate(1, &c));
  EXPECT_EQ(c, (Ids{1})) << "least recently freed cached block (the tail block) goes first";
  EXPECT_EQ(pool.stats().evictions, 1);
  EXPECT_EQ(pool.Lookup(101, g0, 0, t1), -1) << "evicted blocks are no longer found";
  EXPECT_EQ(pool.Lookup(100, 0, 0, t0), 0);
  EXPECT_TRUE(pool.CheckInvariants().ok()) << pool.CheckInvariants().message();
}

TEST(BlockPoolTest, TouchSharesAndLookupVerifiesContent) {
  BlockPool pool(3, 2);
  Ids a;
  ASSERT_TRUE(pool.Allocate(1, &a));
  const std::vector<int32_t> t = {7, 8};
  pool.Cache(0, 55, 0, 0, t);
  pool.Touch(0);
  EXPECT_EQ(pool.RefCount(0), 2);
  EXPECT_EQ(pool.NumSharedBlocks(), 1);
  // Same hash, different tokens / parent / extra key: never served.
  const std::vector<int32_t> other = {7, 9};
  EXPECT_EQ(pool.Lookup(55, 0, 0, other), -1);
  EXPECT_EQ(pool.Lookup(55, 3, 0, t), -1);
  EXPECT_EQ(pool.Lookup(55, 0, 1, t), -1);
  pool.Free(Ids{0});
  EXPECT_EQ(pool.RefCount(0), 1);
  pool.Free(Ids{0});
  EXPECT_EQ(pool.CachedFreeQueue(), (Ids{0}));
  pool.Touch(0);  // a hit on an idle cached block revives it
  EXPECT_EQ(pool.CachedFreeQueue(), (Ids{}));
  EXPECT_EQ(pool.NumFreeBlocks(), 2);
  EXPECT_TRUE(pool.CheckInvariants().ok());
}

// The figures the paged-cache benchmark reports: fresh allocations (a failed all-or-nothing
// request and hits through Touch add none) and table entries vs distinct blocks.
TEST(BlockPoolTest, AllocationAndReferenceCounters) {
  BlockPool pool(4, 2);
  Ids a, b;
  ASSERT_TRUE(pool.Allocate(3, &a));
  EXPECT_FALSE(pool.Allocate(2, &b));
  EXPECT_EQ(pool.stats().allocations, 3);
  const std::vector<int32_t> t0 = {1, 2}, t1 = {3, 4};
  pool.Cache(a[0], 11, 0, 0, t0);
  pool.Cache(a[1], 12, 0, 0, t1);
  pool.Touch(a[0]);
  pool.Touch(a[0]);
  pool.Touch(a[1]);
  EXPECT_EQ(pool.stats().allocations, 3);
  EXPECT_EQ(pool.NumBlockRefs(), 6);
  EXPECT_EQ(pool.NumUsedBlocks(), 3);
  EXPECT_EQ(pool.NumSharedBlocks(), 2);
  pool.Free(a);
  EXPECT_EQ(pool.NumBlockRefs(), 3);
  ASSERT_TRUE(pool.Allocate(1, &b));
  EXPECT_EQ(pool.stats().allocations, 4);
}

TEST(BlockPoolTest, ResetPrefixCacheUncachesEverything) {
  BlockPool pool(2, 1);
  Ids a;
  ASSERT_TRUE(pool.Allocate(2, &a));
  pool.Cache(0, 1, 0, 0, std::vector<int32_t>{5});
  pool.Cache(1, 2, 0, 0, std::vector<int32_t>{6});
  pool.Free(Ids{0});
  pool.ResetPrefixCache();
  EXPECT_EQ(pool.NumCachedBlocks(), 0);
  EXPECT_EQ(pool.PlainFreeQueue(), (Ids{0}));
  EXPECT_EQ(pool.Lookup(2, 0, 0, std::vector<int32_t>{6}), -1);
  pool.Free(Ids{1});
  EXPECT_EQ(pool.PlainFreeQueue(), (Ids{0, 1}));
  EXPECT_TRUE(pool.CheckInvariants().ok());
}

TEST(KvCacheManagerTest, PrefixHitsFullBlocksOnlyAndLeavesOneTokenToCompute) {
  KvCacheManager m({.num_blocks = 10, .block_size = 4, .enable_prefix_caching = true});
  std::vector<int32_t> p = Range(100, 110);  // 10 tokens: 2 full blocks + 2
  PrefixHit h = m.FindCachedPrefix(p, 0, true);
  EXPECT_TRUE(h.block_ids.empty());
  ASSERT_TRUE(m.Allocate(1, 10, &h));
  EXPECT_EQ(m.Blocks(1), (Ids{0, 1, 2}));
  m.CommitComputed(1, p, 10, 0);
  EXPECT_EQ(m.pool().NumCachedBlocks(), 2);
  // Same 8-token prefix + different tail: 2 blocks hit.
  std::vector<int32_t> q = p;
  q[9] = 999;
  PrefixHit h2 = m.FindCachedPrefix(q, 0, true);
  EXPECT_EQ(h2.block_ids, (Ids{0, 1}));
  EXPECT_EQ(h2.num_tokens(), 8);
  // Exactly 8 tokens: only 1 block may hit (token 8 must be computed).
  std::vector<int32_t> r(p.begin(), p.begin() + 8);
  EXPECT_EQ(m.FindCachedPrefix(r, 0, true).block_ids, (Ids{0}));
  // A shared prefix shorter than a block never hits.
  std::vector<int32_t> s = {100, 101, 102, 7, 7, 7};
  EXPECT_TRUE(m.FindCachedPrefix(s, 0, true).block_ids.empty());
  // Different extra key (e.g. a cache salt): miss.
  EXPECT_TRUE(m.FindCachedPrefix(q, 42, true).block_ids.empty());
  ASSERT_TRUE(m.Allocate(2, 10, &h2));
  EXPECT_EQ(m.Blocks(2), (Ids{0, 1, 3}));
  EXPECT_EQ(m.pool().RefCount(0), 2);
  const auto& st = m.stats();
  EXPECT_EQ(st.queries, 5);
  EXPECT_EQ(st.misses, 3);
  EXPECT_EQ(st.full_hits, 2) << "q hits both cacheable blocks; r its only cacheable one";
  EXPECT_EQ(st.hit_tokens, 12);
  m.Free(1);
  m.Free(2);
  EXPECT_EQ(m.pool().NumFreeBlocks(), 10);
  EXPECT_TRUE(m.pool().CheckInvariants().ok());
}

TEST(KvCacheManagerTest, ForcedHashCollisionsNeverServeTheWrongBlock) {
  // Every block hashes to the same value: only content verification separates them.
  KvCacheManager m({.num_blocks = 16, .block_size = 2, .enable_prefix_caching = true},
                   [](uint64_t, std::span<const int32_t>, uint64_t) { return uint64_t{7}; });
  std::vector<int32_t> a = {1, 2, 3, 4, 5};
  std::vector<int32_t> b = {9, 9, 3, 4, 5};  // block 1 equals a's block 1, different parent
  PrefixHit ha = m.FindCachedPrefix(a, 0, false);
  ASSERT_TRUE(m.Allocate(1, 5, &ha));
  m.CommitComputed(1, a, 5, 0);
  PrefixHit hb = m.FindCachedPrefix(b, 0, false);
  EXPECT_TRUE(hb.block_ids.empty());
  ASSERT_TRUE(m.Allocate(2, 5, &hb));
  m.CommitComputed(2, b, 5, 0);
  // c shares b's first block: it must get b's blocks, not a's block 1 (same tokens, same hash).
  std::vector<int32_t> c = {9, 9, 3, 4, 0};
  PrefixHit hc = m.FindCachedPrefix(c, 0, false);
  EXPECT_EQ(hc.block_ids, (Ids{m.Blocks(2)[0], m.Blocks(2)[1]}));
  std::vector<int32_t> d = {1, 2, 3, 4, 0};
  EXPECT_EQ(m.FindCachedPrefix(d, 0, false).block_ids, (Ids{m.Blocks(1)[0], m.Blocks(1)[1]}));
}

TEST(KvCacheManagerTest, DisabledPrefixCachingNeverHits) {
  KvCacheManager m({.num_blocks = 4, .block_size = 2, .enable_prefix_caching = false});
  std::vector<int32_t> a = {1, 2, 3, 4, 5};
  PrefixHit h = m.FindCachedPrefix(a, 0, true);
  ASSERT_TRUE(m.Allocate(1, 5, &h));
  m.CommitComputed(1, a, 5, 0);
  EXPECT_TRUE(m.FindCachedPrefix(a, 0, true).block_ids.empty());
  EXPECT_EQ(m.pool().NumCachedBlocks(), 0);
}

TEST(KvCacheManagerTest, AllocateIsAllOrNothingCountingIdleHits) {
  KvCacheManager m({.num_blocks = 3, .block_size = 2, .enable_prefix_caching = true});
  std::vector<int32_t> a = {1, 2, 3, 4, 5};
  PrefixHit h = m.FindCachedPrefix(a, 0, false);
  ASSERT_TRUE(m.Allocate(1, 5, &h));
  m.CommitComputed(1, a, 5, 0);
  m.Free(1);  // blocks 0,1 cached-free, 2 plain-free
  PrefixHit h2 = m.FindCachedPrefix(a, 0, false);
  ASSERT_EQ(h2.block_ids.size(), 2u);
  // Needs 4 blocks (8 tokens): 2 from the hit + 2 new, but only 1 is free besides the hits.
  EXPECT_FALSE(m.Allocate(2, 8, &h2));
  EXPECT_FALSE(m.HasSequence(2));
  EXPECT_EQ(m.pool().NumFreeBlocks(), 3);
  ASSERT_TRUE(m.Allocate(2, 6, &h2));
  EXPECT_EQ(m.Blocks(2), (Ids{0, 1, 2}));
  EXPECT_TRUE(m.pool().CheckInvariants().ok());
}

}  // namespace
}  // namespace vllm
