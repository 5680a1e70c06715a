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
  // Watermark 105, retention 60: the expiry keeps buckets ending at or after
  // 45, i.e. bucket 4 ([40, 49]) on with 10 ms buckets.
  EXPECT_EQ(HorizonBucket(105, 60, 10), 4);
  EXPECT_EQ(HorizonBucket(100, 60, 10), 4);   // 40 itself
  EXPECT_EQ(HorizonBucket(99, 60, 10), 3);    // 39
  EXPECT_EQ(HorizonBucket(-5, 0, 10), -1);    // true floor below zero
  EXPECT_EQ(HorizonBucket(1000, 300, 1), 700);  // 1 ms: the time itself
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  EXPECT_EQ(HorizonBucket(kMin + 5, 60, 10), kMin);  // would underflow
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
