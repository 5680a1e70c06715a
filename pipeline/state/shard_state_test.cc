#include "pipeline/state/shard_state.h"

#include <cstdint>
#include <memory>
#include <random>
#include <string>

#include "gtest/gtest.h"
#include "pipeline/state/key_codec.h"
#include "pipeline/state/shard_state_test_fixture.h"
#include "pipeline/state/state_store.h"
#include "pipeline/storage/store.h"
#include "pipeline/storage/test_util.h"

namespace riskflow::state {
namespace {


TEST_F(ShardStateTest, BucketEdges) {
  ShardState& c = *cache_;
  ASSERT_OK(c.WindowAdd(counter_, "a", 0, 1));
  ASSERT_OK(c.WindowAdd(counter_, "a", 9999, 1));   // still bucket 0
  ASSERT_OK(c.WindowAdd(counter_, "a", 10000, 1));  // bucket 1
  EXPECT_EQ(Total(&c, counter_, "a", 9999, 10000), 2);
  // [bucket(1), bucket(10000)] = [0, 1]
  EXPECT_EQ(Total(&c, counter_, "a", 10000, 10000), 3);
  EXPECT_EQ(Total(&c, counter_, "a", 10000, 1), 1);
  EXPECT_EQ(Total(&c, counter_, "a", 59999, 60000), 3);
  // [bucket(10000), bucket(69999)] = [1, 6]: bucket 0 slid out.
  EXPECT_EQ(Total(&c, counter_, "a", 69999, 60000), 1);
  EXPECT_EQ(Total(&c, counter_, "a", 70000, 60000), 1);  // [1, 7]
  EXPECT_EQ(Total(&c, counter_, "a", 79999, 60000), 0);  // [2, 7]
  EXPECT_EQ(Total(&c, counter_, "b", 10000, 60000), 0);
}

TEST_F(ShardStateTest, NegativeTimesUseTrueFloor) {
  ShardState& c = *cache_;
  ASSERT_OK(c.WindowAdd(sum_, "a", -1, 5));        // bucket -1
  ASSERT_OK(c.WindowAdd(sum_, "a", -10000, 7));    // bucket -1
  ASSERT_OK(c.WindowAdd(sum_, "a", -10001, 100));  // bucket -2
  ASSERT_OK(c.WindowAdd(sum_, "a", 0, 1000));      // bucket 0
  EXPECT_EQ(Total(&c, sum_, "a", -1, 10000), 12);
  EXPECT_EQ(Total(&c, sum_, "a", -1, 20000), 112);
  EXPECT_EQ(Total(&c, sum_, "a", 0, 10000), 1012);
  Commit(&c);
  c.DropAll();
  EXPECT_EQ(Total(&c, sum_, "a", -1, 20000), 112);
  EXPECT_EQ(Total(&c, sum_, "a", 0, 10000), 1012);
}

TEST_F(ShardStateTest, QueryWiderThanDeclaredIsRefused) {
  ShardState& c = *cache_;
  EXPECT_EQ(c.WindowTotal(counter_, "a", 0, 60001).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(c.WindowTotal(counter_, "a", 0, 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(c.DistinctCount(distinct_, "a", 0, 60001).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(c.DistinctContains(distinct_, "a", 0, "m", 60001).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ShardStateTest, WrongKindIsRefused) {
  ShardState& c = *cache_;
  EXPECT_EQ(c.WindowAdd(distinct_, "a", 0, 1).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(c.DistinctAdd(counter_, "a", 0, "m").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(c.LastPut(counter_, "a", 0, "v").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(c.LastGet(distinct_, "a", 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  StateSpec broken = counter_;
  broken.bucket_ms = 0;
  EXPECT_EQ(c.WindowAdd(broken, "a", 0, 1).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ShardStateTest, LateEventsSeeAnExactWindow) {
  ShardState& c = *cache_;
  for (int64_t t = 0; t <= 200000; t += 1000) {
    ASSERT_OK(c.WindowAdd(counter_, "a", t, 1));
    if (t % 20000 == 0) Commit(&c);
  }
  Commit(&c);  // trims buckets behind 200 s - 60 s - 5 s
  // Within lateness: [bucket(136001), bucket(196000)] = [13, 19] -> 70.
  ASSERT_OK(c.WindowAdd(counter_, "a", 196000, 1));
  EXPECT_EQ(Total(&c, counter_, "a", 196000, 60000), 71);
  // Far behind the lateness: the cache loads the missing buckets. Windows
  // are whole buckets, so bucket 2 counts all of its 10 events.
  EXPECT_EQ(Total(&c, counter_, "a", 20000, 60000), 30);  // [-4, 2]
  ASSERT_OK(c.WindowAdd(counter_, "a", 20000, 1));
  EXPECT_EQ(Total(&c, counter_, "a", 20000, 60000), 31);
  Commit(&c);
  ShardState fresh(store_.get(), 1000, kLateness);
  EXPECT_EQ(Total(&fresh, counter_, "a", 20000, 60000), 31);
  EXPECT_EQ(Total(&fresh, counter_, "a", 196000, 60000), 71);
  EXPECT_EQ(Total(&fresh, counter_, "a", 200000, 60000), 62);
}

TEST_F(ShardStateTest, Distinct) {
  ShardState& c = *cache_;
  ASSERT_OK(c.DistinctAdd(distinct_, "a", 1000, "d1"));
  ASSERT_OK(c.DistinctAdd(distinct_, "a", 2000, "d1"));   // same bucket
  ASSERT_OK(c.DistinctAdd(distinct_, "a", 15000, "d1"));  // next bucket
  ASSERT_OK(c.DistinctAdd(distinct_, "a", 15000, "d2"));
  ASSERT_OK(c.DistinctAdd(distinct_, "ab", 15000, "d9"));
  EXPECT_EQ(Count(&c, "a", 15000, 60000), 2);
  EXPECT_EQ(Count(&c, "a", 15000, 5001), 2);  // [bucket(10000)...] = [1, 1]
  EXPECT_EQ(Count(&c, "a", 9999, 10000), 1);
  EXPECT_EQ(Count(&c, "a", 69999, 60000), 2);  // [1, 6]
  EXPECT_EQ(Count(&c, "a", 80000, 60000), 0);
  EXPECT_TRUE(*c.DistinctContains(distinct_, "a", 15000, "d2", 60000));
  EXPECT_FALSE(*c.DistinctContains(distinct_, "a", 9999, "d2", 60000));
  EXPECT_FALSE(*c.DistinctContains(distinct_, "a", 15000, "d9", 60000));
  Commit(&c);
  c.DropAll();
  EXPECT_EQ(Count(&c, "a", 15000, 60000), 2);
  EXPECT_EQ(Count(&c, "a", 9999, 10000), 1);
  EXPECT_EQ(Count(&c, "ab", 15000, 60000), 1);
  EXPECT_TRUE(*c.DistinctContains(distinct_, "a", 15000, "d1", 5001));
}

TEST_F(ShardStateTest, LastSeenTtlAndOverwrite) {
  ShardState& c = *cache_;
  auto got = c.LastGet(last_, "a", 0);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
  ASSERT_OK(c.LastPut(last_, "a", 1000, "FR"));
  ASSERT_OK(c.LastPut(last_forever_, "a", 1000, "FR"));
  got = c.LastGet(last_, "a", 1000);  // same millisecond: there
  ASSERT_TRUE(got.ok() && got->has_value());
  got = c.LastGet(last_, "a", 30999);  // ttl - 1 ms later: still there
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->first, "FR");
  EXPECT_EQ((*got)->second, 1000);
  // Exactly ttl later: gone, the ttl is the window (t - ttl, t]
  // (docs/windows.md).
  got = c.LastGet(last_, "a", 31000);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
  got = c.LastGet(last_forever_, "a", 1000000000);
  ASSERT_TRUE(got.ok() && got->has_value());

  ASSERT_OK(c.LastPut(last_, "a", 40000, "DE"));
  Commit(&c);
  Reopen();
  got = cache_->LastGet(last_, "a", 41000);
  ASSERT_TRUE(got.ok() && got->has_value()) << got.status();
  EXPECT_EQ((*got)->first, "DE");
  EXPECT_EQ((*got)->second, 40000);
}

TEST_F(ShardStateTest, EvictionNeverLosesDirtyData) {
  ShardState c(store_.get(), /*max_cached_entities=*/2, kLateness);
  for (int i = 0; i < 10; ++i) {
    ASSERT_OK(c.WindowAdd(counter_, "e" + std::to_string(i), 1000, i + 1));
  }
  c.Trim();  // nothing committed yet: all dirty, nothing may go
  EXPECT_EQ(c.stats().entities, 10u);
  EXPECT_EQ(c.stats().evictions, 0u);
  EXPECT_EQ(c.dirty_entities(), 10u);
  Commit(&c);
  EXPECT_LE(c.stats().entities, 2u);
  EXPECT_GE(c.stats().evictions, 8u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(Total(&c, counter_, "e" + std::to_string(i), 1000, 60000), i + 1);
  }
}

TEST_F(ShardStateTest, TrimKeepsDirtyBucketsBehindTheCutoff) {
  ShardState& c = *cache_;
  for (int64_t t = 0; t <= 200000; t += 10000) {
    ASSERT_OK(c.WindowAdd(counter_, "a", t, 1));
  }
  Commit(&c);
  // A very late add, then Trim without a FlushTo: the delta lies far behind
  // the trim cutoff but must survive until it reaches a batch.
  ASSERT_OK(c.WindowAdd(counter_, "a", 5000, 100));
  c.Trim();
  Commit(&c);
  ShardState fresh(store_.get(), 1000, kLateness);
  EXPECT_EQ(Total(&fresh, counter_, "a", 5000, 10000), 101);
  EXPECT_EQ(Total(&c, counter_, "a", 5000, 10000), 101);
}

TEST_F(ShardStateTest, DropAllAfterFailedCommitFallsBackToTheDb) {
  ShardState& c = *cache_;
  ASSERT_OK(c.WindowAdd(counter_, "a", 1000, 5));
  Commit(&c);
  ASSERT_OK(c.WindowAdd(counter_, "a", 2000, 7));
  ASSERT_OK(c.LastPut(last_, "a", 2000, "X"));
  rocksdb::WriteBatch lost;
  c.FlushTo(&lost);  // the commit "fails": the batch is never written
  c.DropAll();
  EXPECT_EQ(c.stats().entities, 0u);
  EXPECT_EQ(Total(&c, counter_, "a", 2000, 60000), 5);
  auto got = c.LastGet(last_, "a", 2000);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
}

TEST_F(ShardStateTest, FlushToWritesDeltasNotTotals) {
  ShardState& c = *cache_;
  ASSERT_OK(c.WindowAdd(counter_, "a", 1000, 2));
  ASSERT_OK(c.WindowAdd(counter_, "a", 1500, 3));
  rocksdb::WriteBatch batch;
  c.FlushTo(&batch);
  EXPECT_EQ(batch.Count(), 1u);  // one merge for the one dirty bucket
  ASSERT_OK(store_->Write(&batch, false));
  rocksdb::WriteBatch empty;
  c.FlushTo(&empty);
  EXPECT_EQ(empty.Count(), 0u);
  // A second writer's merge lands on top of ours.
  ASSERT_OK(c.WindowAdd(counter_, "a", 1000, 1));
  Commit(&c);
  std::string v;
  ASSERT_TRUE(
      *store_->Get(storage::Cf::kState, BucketKey(counter_.id, "a", 0), &v));
  int64_t n = 0;
  ASSERT_TRUE(DecodeInt64(v, &n));
  EXPECT_EQ(n, 6);
}

TEST_F(ShardStateTest, ExpiredDataIsCompactedAwayWindowSurvives) {
  ShardState& c = *cache_;
  for (int64_t t = 0; t <= 300000; t += 5000) {
    ASSERT_OK(c.WindowAdd(counter_, "a", t, 1));
    ASSERT_OK(
        c.DistinctAdd(distinct_, "a", t, "m" + std::to_string(t % 20000)));
  }
  Commit(&c);
  const int64_t total = Total(&c, counter_, "a", 300000, 60000);
  const int64_t count = Count(&c, "a", 300000, 60000);
  SetExpiryClock(store_.get(), 300000 - kLateness);
  ASSERT_OK(store_->Compact(storage::Cf::kState));

  int keys = 0;
  auto it = store_->NewIterator(storage::Cf::kState);
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++keys;
  ASSERT_OK(store_->IteratorStatus(*it, "scan"));
  // Clock 295 s, retention 60 s: buckets ending before 235 s go, so 23..30
  // survive: 8 counter keys plus 2 distinct members per bucket except the
  // last (only t = 300 s), instead of 31 + 61 keys.
  EXPECT_EQ(keys, 8 + 15);

  ShardState fresh(store_.get(), 1000, kLateness);
  EXPECT_EQ(Total(&fresh, counter_, "a", 300000, 60000), total);
  EXPECT_EQ(Count(&fresh, "a", 300000, 60000), count);
}

// Random but seeded: the cache (with a tiny capacity, random failed commits
// and restarts) must answer every query exactly like the reference.
TEST_F(ShardStateTest, MatchesReferenceThroughCommitsEvictionsAndRestarts) {
  std::mt19937_64 rng(42);
  Reference ref;
  auto cache = std::make_unique<ShardState>(store_.get(), 3, kLateness);
  Reference committed;  // what the DB holds
  int64_t now = -100000;
  for (int step = 0; step < 20000; ++step) {
    now += static_cast<int64_t>(rng() % 700);
    // Mostly in order, sometimes late, up to 6x the allowed lateness (which
    // forces the cache to load buckets it had trimmed).
    int64_t t =
        now -
        ((rng() % 10 == 0) ? static_cast<int64_t>(rng() % (6 * kLateness)) : 0);
    std::string e = "acct" + std::to_string(rng() % 6);
    int64_t w = 1 + static_cast<int64_t>(rng() % 60000);
    const uint64_t op = rng() % 8;
    if (op < 7) {
      RandomStateOp(op, rng, cache.get(), &ref, sum_, distinct_, e, t, w,
                    INT64_MIN, step);
      if (HasFatalFailure()) return;
      continue;
    }
    // op 7: the end of a micro-batch, in one of four ways.
    int r = rng() % 20;
    if (r == 0) {
      // Failed commit: throw away the batch and the cache, and roll the
      // reference back to what was committed.
      rocksdb::WriteBatch lost;
      cache->FlushTo(&lost);
      cache->DropAll();
      ref = committed;
    } else if (r == 2) {
      cache->Trim();  // out of turn: must not drop anything dirty
    } else if (r == 1) {
      Commit(cache.get());
      committed = ref;
      cache.reset();
      Reopen();
      cache = std::make_unique<ShardState>(store_.get(), 3, kLateness);
    } else {
      Commit(cache.get());
      committed = ref;
    }
  }
  auto stats = cache->stats();
  EXPECT_GT(stats.hits, 0u);
}

TEST_F(ShardStateTest, StatsCountHitsAndMisses) {
  ShardState& c = *cache_;
  ASSERT_OK(c.WindowAdd(counter_, "a", 0, 1));
  ASSERT_OK(c.WindowAdd(counter_, "a", 1, 1));
  ASSERT_OK(c.WindowAdd(counter_, "b", 1, 1));
  auto s = c.stats();
  EXPECT_EQ(s.misses, 2u);
  EXPECT_EQ(s.hits, 1u);
  EXPECT_EQ(s.entities, 2u);
}

}  // namespace
}  // namespace riskflow::state

namespace riskflow::state {

// Sums saturate in the cache and in the store alike: two INT64_MAX amounts
// in one bucket, and two near-half amounts in different buckets of one
// window, stay at INT64_MAX before and after a commit and a reopen (the
// merge operator then computes the value).
TEST_F(ShardStateTest, WindowSumsSaturateNeverWrap) {
  constexpr int64_t kMax = INT64_MAX;
  ASSERT_OK(cache_->WindowAdd(sum_, "a", 1000, kMax));
  ASSERT_OK(cache_->WindowAdd(sum_, "a", 2000, kMax));
  EXPECT_EQ(Total(cache_.get(), sum_, "a", 2000, 60000), kMax);
  ASSERT_OK(cache_->WindowAdd(sum_, "b", 1000, kMax / 2 + 1));
  ASSERT_OK(cache_->WindowAdd(sum_, "b", 25000, kMax / 2 + 1));  // bucket 2
  EXPECT_EQ(Total(cache_.get(), sum_, "b", 25000, 60000), kMax);
  EXPECT_EQ(Total(cache_.get(), sum_, "b", 25000, 10000), kMax / 2 + 1);
  Commit(cache_.get());
  // A second commit adds a delta on top of the stored value: the merge
  // operator must saturate too.
  ASSERT_OK(cache_->WindowAdd(sum_, "a", 3000, 5));
  Commit(cache_.get());
  Reopen();
  EXPECT_EQ(Total(cache_.get(), sum_, "a", 3000, 60000), kMax);
  EXPECT_EQ(Total(cache_.get(), sum_, "b", 25000, 60000), kMax);
  ASSERT_OK(cache_->WindowAdd(sum_, "c", 1000, INT64_MIN));
  ASSERT_OK(cache_->WindowAdd(sum_, "c", 1000, -1));
  EXPECT_EQ(Total(cache_.get(), sum_, "c", 1000, 60000), INT64_MIN);
}

}  // namespace riskflow::state
