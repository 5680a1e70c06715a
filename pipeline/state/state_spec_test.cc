#include "pipeline/state/state_spec.h"

#include "gtest/gtest.h"

namespace riskflow::state {
namespace {

TEST(StateIdTest, IsFnv1aOfDetectorNulName) {
  // Pinned values: the id is part of every on-disk key, so it must never
  // change between builds.
  EXPECT_EQ(StateId("", ""), 0xaf63bd4c8601b7dfull);
  EXPECT_EQ(StateId("velocity", "count"), 0x9e8381d21d3c36a5ull);
}

TEST(StateIdTest, SeparatorKeepsSplitsApart) {
  EXPECT_NE(StateId("ab", "c"), StateId("a", "bc"));
  EXPECT_NE(StateId("a", "b"), StateId("b", "a"));
}

TEST(BucketOfTest, TrueFloorForNegatives) {
  EXPECT_EQ(BucketOf(0, 10), 0);
  EXPECT_EQ(BucketOf(9, 10), 0);
  EXPECT_EQ(BucketOf(10, 10), 1);
  EXPECT_EQ(BucketOf(-1, 10), -1);
  EXPECT_EQ(BucketOf(-10, 10), -1);
  EXPECT_EQ(BucketOf(-11, 10), -2);
}

TEST(StateSpecTest, Retention) {
  auto counter = MakeStateSpec("d", "c", StateKind::kCounter, 60000, 1000, 0);
  ASSERT_TRUE(counter.ok()) << counter.status();
  EXPECT_EQ(counter->retention_ms(), 60000);
  auto longer = MakeStateSpec("d", "s", StateKind::kSum, 60000, 1000, 90000);
  ASSERT_TRUE(longer.ok());
  EXPECT_EQ(longer->retention_ms(), 90000);
  auto last = MakeStateSpec("d", "l", StateKind::kLastSeen, 0, 0, 0);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->retention_ms(), kRetainForever);
  auto last_ttl = MakeStateSpec("d", "l", StateKind::kLastSeen, 0, 0, 500);
  ASSERT_TRUE(last_ttl.ok());
  EXPECT_EQ(last_ttl->retention_ms(), 500);
}

TEST(StateSpecTest, RejectsBadShapes) {
  EXPECT_FALSE(MakeStateSpec("d", "c", StateKind::kCounter, 0, 1, 0).ok());
  EXPECT_FALSE(MakeStateSpec("d", "c", StateKind::kCounter, 10, 0, 0).ok());
  EXPECT_FALSE(MakeStateSpec("d", "c", StateKind::kCounter, 10, 20, 0).ok());
  EXPECT_FALSE(MakeStateSpec("d", "c", StateKind::kDistinct, 10, 5, -1).ok());
  EXPECT_FALSE(MakeStateSpec("d", "", StateKind::kLastSeen, 0, 0, 0).ok());
  auto spec = MakeStateSpec("d", "c", StateKind::kCounter, 10, 5, 0);
  ASSERT_TRUE(spec.ok());
  spec->id ^= 1;
  EXPECT_EQ(ValidateStateSpec(*spec).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace riskflow::state
