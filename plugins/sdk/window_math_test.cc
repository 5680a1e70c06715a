#include "plugins/sdk/window_math.h"

#include <cstdint>
#include <limits>
#include <set>

#include "gtest/gtest.h"
#include "plugins/sdk/deterministic_random.h"

namespace riskflow {
namespace sdk {
namespace {

TEST(WindowMathTest, BucketBoundaries) {
  EXPECT_EQ(BucketOf(0, 1000), 0);
  EXPECT_EQ(BucketOf(999, 1000), 0);
  EXPECT_EQ(BucketOf(1000, 1000), 1);
  EXPECT_EQ(BucketOf(1999, 1000), 1);
  EXPECT_EQ(BucketStartMs(BucketOf(1999, 1000), 1000), 1000);
}

TEST(WindowMathTest, NegativeTimesFloor) {
  // Truncating division would put -1 and +1 in the same bucket.
  EXPECT_EQ(BucketOf(-1, 1000), -1);
  EXPECT_EQ(BucketOf(-1000, 1000), -1);
  EXPECT_EQ(BucketOf(-1001, 1000), -2);
  EXPECT_EQ(FloorDiv(-7, 2), -4);
  EXPECT_EQ(FloorDiv(7, 2), 3);
  EXPECT_EQ(FloorDiv(-8, 2), -4);
  static_assert(BucketOf(-1, 1) == -1, "constexpr");
}

TEST(WindowMathTest, WindowCoversStartBucketWhole) {
  // 1m window at 1s buckets, ending at t = 60500: event times
  // [500, 60500] -> buckets 0..60.
  BucketRange r = WindowBuckets(60500, 60000, 1000);
  EXPECT_EQ(r.first, 0);
  EXPECT_EQ(r.last, 60);
  EXPECT_TRUE(r.Contains(0));
  EXPECT_FALSE(r.Contains(61));
  EXPECT_FALSE(r.Contains(-1));
  // Ending exactly on a boundary: [1000, 60999] -> buckets 1..60.
  r = WindowBuckets(60999, 60000, 1000);
  EXPECT_EQ(r.first, 1);
  EXPECT_EQ(r.last, 60);
  // 1 ms window: only the current bucket.
  r = WindowBuckets(1234, 1, 1000);
  EXPECT_EQ(r.first, 1);
  EXPECT_EQ(r.last, 1);
}

TEST(WindowMathTest, WindowAcrossZero) {
  BucketRange r = WindowBuckets(500, 2000, 1000);  // [-1499, 500]
  EXPECT_EQ(r.first, -2);
  EXPECT_EQ(r.last, 0);
}

TEST(WindowMathTest, SaturatesNearInt64Min) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  EXPECT_EQ(WindowStartMs(kMin + 5, 100), kMin);
  EXPECT_EQ(WindowStartMs(kMin + 99, 100), kMin);
  EXPECT_EQ(WindowStartMs(kMin + 100, 100), kMin + 1);
}

TEST(DeterministicRandomTest, SameInputsSameStream) {
  SplitMix64 a(RandomSeed("velocity", "web", "e1"));
  SplitMix64 b(RandomSeed("velocity", "web", "e1"));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(a.Next(), b.Next());
}

TEST(WindowMathTest, HorizonBucketIsTheOldestWhoseEndIsKept) {
  // Watermark 105, retention 60: the store keeps (45, ...], i.e. buckets
  // ending after 45: bucket 4 ([40, 49]) on with 10 ms buckets.
  EXPECT_EQ(HorizonBucket(105, 60, 10), 4);
  EXPECT_EQ(HorizonBucket(100, 60, 10), 4);   // (40, ...]: 41 is in bucket 4
  EXPECT_EQ(HorizonBucket(99, 60, 10), 4);    // (39, ...]: bucket 3 all gone
  EXPECT_EQ(HorizonBucket(98, 60, 10), 3);    // (38, ...]: 39 still kept
  EXPECT_EQ(HorizonBucket(-5, 0, 10), -1);    // true floor below zero
  EXPECT_EQ(HorizonBucket(1000, 300, 1), 701);  // 1 ms: (700, ...]
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(HorizonBucket(kMin + 5, 60, 10), kMin);  // would underflow
  EXPECT_EQ(HorizonBucket(kMax, 0, 1), kMax);        // would overflow
}

// The rule every window follows (docs/windows.md): (t - window, t].
TEST(WindowMathTest, InWindowIsHalfOpen) {
  EXPECT_FALSE(InWindow(600000, 0, 600000));  // exactly t - window: outside
  EXPECT_TRUE(InWindow(600000, 1, 600000));   // t - window + 1: inside
  EXPECT_TRUE(InWindow(600000, 600000, 600000));  // same millisecond
  EXPECT_FALSE(InWindow(600000, 600001, 600000));  // later: not in its past
  EXPECT_TRUE(BeforeWindow(600000, 0, 600000));
  EXPECT_FALSE(BeforeWindow(600000, 1, 600000));
  EXPECT_FALSE(BeforeWindow(600000, 600001, 600000));
  // 1 ms window: only the same millisecond.
  EXPECT_TRUE(InWindow(5, 5, 1));
  EXPECT_FALSE(InWindow(5, 4, 1));
  // Either order: |a - b| < window.
  EXPECT_FALSE(InWindowEitherOrder(0, 600000, 600000));
  EXPECT_FALSE(InWindowEitherOrder(600000, 0, 600000));
  EXPECT_TRUE(InWindowEitherOrder(1, 600000, 600000));
  EXPECT_TRUE(InWindowEitherOrder(600000, 1, 600000));
  EXPECT_TRUE(InWindowEitherOrder(7, 7, 600000));
  // Near the ends of time: no overflow.
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  EXPECT_TRUE(InWindow(kMin + 5, kMin, 100));
  EXPECT_FALSE(BeforeWindow(kMin + 5, kMin, 100));
  EXPECT_FALSE(InWindowEitherOrder(kMin, kMax, kMax));
  EXPECT_TRUE(InWindow(kMax, kMax - 99, 100));
  EXPECT_FALSE(InWindow(kMax, kMax - 100, 100));
  static_assert(InWindow(10, 1, 10) && !InWindow(10, 0, 10), "constexpr");
}

// Consecutive tumbling windows of the same length share no millisecond:
// every event time falls in exactly one of them.
TEST(WindowMathTest, AdjacentWindowsPartitionTime) {
  constexpr int64_t kW = 1000;
  for (int64_t t = -2500; t <= 2500; ++t) {
    int hits = 0;
    for (int64_t end = -3001; end <= 3999; end += kW) {
      if (InWindow(end, t, kW)) ++hits;
    }
    ASSERT_EQ(hits, 1) << t;
  }
  // And the bucket form agrees with the direct one at bucket_ms = 1.
  for (int64_t other = 590000; other <= 600001; other += 7) {
    BucketRange r = WindowBuckets(600000, 600000, 1);
    EXPECT_EQ(r.Contains(other), InWindow(600000, other, 600000)) << other;
  }
}

TEST(DeterministicRandomTest, FieldsDoNotRunTogether) {
  std::set<uint64_t> seeds = {
      RandomSeed("ab", "c", "e"), RandomSeed("a", "bc", "e"),
      RandomSeed("a", "b", "ce"), RandomSeed("velocity", "web", "e2")};
  EXPECT_EQ(seeds.size(), 4u);
}

TEST(DeterministicRandomTest, KnownValues) {
  // Pinned so the real host's copy cannot drift from the fake's.
  EXPECT_EQ(Fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  SplitMix64 r(0);
  EXPECT_EQ(r.Next(), 0xe220a8397b1dcdafULL);
}

}  // namespace
}  // namespace sdk
}  // namespace riskflow
