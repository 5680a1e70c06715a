// The visibility horizon (shard_state.h, "Visibility") and the way replay
// drives the cache: a watermark per event, Trim after every micro-batch,
// commits only now and then.
#include <cstdint>
#include <memory>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "pipeline/state/key_codec.h"
#include "pipeline/state/shard_state.h"
#include "pipeline/state/shard_state_test_fixture.h"

namespace riskflow::state {

// Replay's way of running the cache: a watermark per event, Trim after
// every micro-batch, a commit only now and then. Every query must still
// match the reference under the visibility rule, and what the horizon
// passed must never have been written.
void ShardStateTest::RunVisibilityAgainstReference(const StateSpec& sum,
                                                   const StateSpec& distinct,
                                                   uint64_t seed) {
  std::mt19937_64 rng(seed);
  const std::string prefix = absl::StrCat(seed, sum.name, "-acct");
  Reference ref;
  auto cache = std::make_unique<ShardState>(store_.get(), 3, kLateness);
  int64_t now = 0, max_t = INT64_MIN;
  for (int step = 0; step < 30000; ++step) {
    now += static_cast<int64_t>(rng() % 700);
    // Some events far later than the lateness, whose windows the horizon
    // clips.
    const int64_t t =
        now - ((rng() % 10 == 0) ? static_cast<int64_t>(rng() % 200000) : 0);
    // The log's watermark: lateness behind the newest time before this one.
    const int64_t wm = max_t == INT64_MIN ? INT64_MIN : max_t - kLateness;
    max_t = std::max(max_t, t);
    if (wm != INT64_MIN) cache->SetWatermark(wm);
    // Entities of their own per run: the runs share one store.
    std::string e = prefix + std::to_string(rng() % 6);
    int64_t w = 1 + static_cast<int64_t>(rng() % 60000);
    RandomStateOp(rng() % 7, rng, cache.get(), &ref, sum, distinct, e, t, w,
                  wm, step);
    if (HasFatalFailure()) return;
    // End of a micro-batch: Trim always, commit rarely.
    if (step % 50 == 49) {
      if (step % 200 == 199) {
        Commit(cache.get());
      } else {
        cache->Trim();
      }
    }
  }
  Commit(cache.get());
  EXPECT_GT(cache->stats().unwritten, 0u);
  // A fresh cache at the final watermark reads the same from the DB alone.
  ShardState fresh(store_.get(), 1000, kLateness);
  fresh.SetWatermark(max_t - kLateness);
  for (int i = 0; i < 6; ++i) {
    const std::string e = prefix + std::to_string(i);
    EXPECT_EQ(Total(&fresh, sum, e, now, 60000),
              Total(cache.get(), sum, e, now, 60000));
    EXPECT_EQ(Count(&fresh, distinct, e, now, 60000),
              Count(cache.get(), distinct, e, now, 60000));
  }
}

namespace {

TEST_F(ShardStateTest, VisibilityMatchesReferenceWithRareCommits) {
  for (uint64_t seed : {4, 5, 7}) {
    SCOPED_TRACE(seed);
    RunVisibilityAgainstReference(sum_, distinct_, seed);
    RunVisibilityAgainstReference(sum_long_, distinct_long_, seed);
  }
}

TEST_F(ShardStateTest, EventsBehindTheHorizonSeeAndWriteNothingOld) {
  ShardState& c = *cache_;
  for (int64_t t = 0; t <= 200000; t += 1000) {
    ASSERT_OK(c.WindowAdd(counter_, "a", t, 1));
  }
  // The log's newest time is 200 s: watermark 195 s, so counter buckets
  // ending before 135 s (retention 60 s) are behind the horizon: from 13 on.
  c.SetWatermark(200000 - kLateness);
  // A super-late event at 20 s: its whole window is behind the horizon.
  EXPECT_EQ(Total(&c, counter_, "a", 20000, 60000), 0);
  ASSERT_OK(c.WindowAdd(counter_, "a", 20000, 1));  // a no-op
  // Its window is clipped to buckets 13..15: 30 events.
  EXPECT_EQ(Total(&c, counter_, "a", 150000, 60000), 30);
  Commit(&c);
  // Buckets 0..12 were never written; 13..20 were.
  EXPECT_EQ(c.stats().unwritten, 13u);
  ShardState fresh(store_.get(), 1000, kLateness);
  EXPECT_EQ(Total(&fresh, counter_, "a", 60000, 60000), 0);
  EXPECT_EQ(Total(&fresh, counter_, "a", 200000, 60000), 61);
  // A watermark that goes back is ignored.
  c.SetWatermark(0);
  EXPECT_EQ(Total(&c, counter_, "a", 20000, 60000), 0);
}

// Replay trims without flushing. A bucket below the trim cutoff but inside
// the horizon (ttl > window) can hold a clean member and a dirty one: the
// clean one must not be dropped while the cache claims the bucket whole.
TEST_F(ShardStateTest, TrimKeepsWholeDistinctBuckets) {
  ShardState& c = *cache_;
  c.SetWatermark(95000);
  ASSERT_OK(c.DistinctAdd(distinct_long_, "e", 100000, "a"));
  Commit(&c);
  // Horizon (retention 150 s): bucket 10 on. The entity's trim cutoff after
  // an event at 400 s: 400 - 60 - 5 s, bucket 33.
  c.SetWatermark(250000);
  ASSERT_OK(c.DistinctAdd(distinct_long_, "e", 400000, "z"));
  ASSERT_OK(c.DistinctAdd(distinct_long_, "e", 100500, "b"));  // late
  c.Trim();  // no FlushTo: "b" is dirty, "a" clean in the same bucket
  EXPECT_EQ(Count(&c, distinct_long_, "e", 100500, 60000), 2);
  auto has_a = c.DistinctContains(distinct_long_, "e", 100500, "a", 60000);
  ASSERT_TRUE(has_a.ok());
  EXPECT_TRUE(*has_a);
}

// A hot reload may widen a window (same bucket size). The cached entry must
// take the new retention, or a late add the new version sees would be
// dropped unwritten at the next flush.
TEST_F(ShardStateTest, ReloadWideningTheWindowKeepsLateAdds) {
  StateSpec wide = *MakeStateSpec("velocity", "amount", StateKind::kSum,
                                  600000, 10000, 0);
  ShardState& c = *cache_;
  ASSERT_OK(c.WindowAdd(sum_, "e", 100000, 1));
  Commit(&c);
  RegisterState(store_.get(), wide);
  c.SetWatermark(395000);  // horizon with 600 s: bucket of -205 s
  ASSERT_OK(c.WindowAdd(wide, "e", 400000, 10));
  ASSERT_OK(c.WindowAdd(wide, "e", 200000, 100));
  EXPECT_EQ(Total(&c, wide, "e", 400000, 600000), 111);
  Commit(&c);
  EXPECT_EQ(Total(&c, wide, "e", 400000, 600000), 111);
  ShardState fresh(store_.get(), 1000, kLateness);
  fresh.SetWatermark(395000);
  EXPECT_EQ(Total(&fresh, wide, "e", 400000, 600000), 111);
}

TEST_F(ShardStateTest, LastSeenBehindTheHorizonIsAbsent) {
  ShardState& c = *cache_;
  ASSERT_OK(c.LastPut(last_, "a", 100000, "ip1"));
  ASSERT_OK(c.LastPut(last_forever_, "a", 100000, "first"));
  // ttl 30 s: a late event at 110 s is within the ttl of the value, but the
  // watermark (150 s) puts the value (100 s) behind 150 - 30 = 120 s.
  c.SetWatermark(150000);
  auto got = c.LastGet(last_, "a", 110000);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
  // Without a ttl nothing expires.
  got = c.LastGet(last_forever_, "a", 110000);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->has_value());
}

}  // namespace
}  // namespace riskflow::state
