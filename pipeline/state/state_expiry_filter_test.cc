#include "pipeline/state/state_expiry_filter.h"

#include <string>

#include "gtest/gtest.h"
#include "pipeline/state/key_codec.h"

namespace riskflow::state {
namespace {

using Decision = rocksdb::CompactionFilter::Decision;
using ValueType = rocksdb::CompactionFilter::ValueType;

TEST(IsExpiredTest, Basics) {
  EXPECT_TRUE(IsExpired(39, 100, 60));
  EXPECT_TRUE(IsExpired(40, 100, 60));  // exactly clock - retention: gone
  EXPECT_FALSE(IsExpired(41, 100, 60));
  EXPECT_FALSE(IsExpired(0, StateExpiryRegistry::kNoClock, 60));
  EXPECT_FALSE(IsExpired(0, 1000000, kRetainForever));
  // clock - retention would overflow: keep.
  EXPECT_FALSE(IsExpired(std::numeric_limits<int64_t>::min(),
                         std::numeric_limits<int64_t>::min() + 1, 10));
}

class StateExpiryFilterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    counter_ = *MakeStateSpec("d", "c", StateKind::kCounter, 60, 10, 0);
    last_ = *MakeStateSpec("d", "l", StateKind::kLastSeen, 0, 0, 50);
    registry_.Register(counter_);
    registry_.Register(last_);
  }

  Decision Run(int64_t clock, const std::string& key, const std::string& value,
               ValueType type = ValueType::kValue) {
    StateExpiryFilter f(clock, registry_.rules());
    std::string new_value, skip;
    return f.FilterV2(0, key, type, value, &new_value, &skip);
  }

  StateSpec counter_, last_;
  StateExpiryRegistry registry_;
};

TEST_F(StateExpiryFilterTest, BucketsExpireByTheirEnd) {
  // clock 105, retention 60 -> threshold 45. Bucket 3 ends at 39 (drop),
  // bucket 4 ends at 49 (keep: it still overlaps the window [46, 105]).
  const std::string v = EncodeInt64(1);
  EXPECT_EQ(Run(105, BucketKey(counter_.id, "a", 3), v), Decision::kRemove);
  EXPECT_EQ(Run(105, BucketKey(counter_.id, "a", 4), v), Decision::kKeep);
  EXPECT_EQ(
      Run(105, BucketKey(counter_.id, "a", 3), v, ValueType::kMergeOperand),
      Decision::kRemove);
  EXPECT_EQ(Run(105, BucketKey(counter_.id, "a", -100), v), Decision::kRemove);
}

TEST_F(StateExpiryFilterTest, LastSeenExpiresByStoredTime) {
  std::string old_v, new_v;
  // clock 100, ttl 50: (50, ...] is kept, 50 itself goes.
  AppendLastSeenValue(50, "x", &old_v);
  AppendLastSeenValue(51, "x", &new_v);
  EXPECT_EQ(Run(100, LastSeenKey(last_.id, "a"), old_v), Decision::kRemove);
  EXPECT_EQ(Run(100, LastSeenKey(last_.id, "a"), new_v), Decision::kKeep);
}

TEST_F(StateExpiryFilterTest, KeepsUnknownAndUndecodable) {
  const std::string v = EncodeInt64(1);
  EXPECT_EQ(Run(1 << 30, BucketKey(12345, "a", 0), v), Decision::kKeep);
  EXPECT_EQ(Run(1 << 30, "junk", v), Decision::kKeep);
  EXPECT_EQ(Run(1 << 30, LastSeenKey(last_.id, "a"), "bad"), Decision::kKeep);
  EXPECT_EQ(
      Run(StateExpiryRegistry::kNoClock, BucketKey(counter_.id, "a", 0), v),
      Decision::kKeep);
}

TEST_F(StateExpiryFilterTest, RegistrySnapshotsAreStable) {
  auto before = registry_.rules();
  StateSpec other = *MakeStateSpec("d", "o", StateKind::kSum, 10, 1, 0);
  registry_.Register(other);
  EXPECT_EQ(before->count(other.id), 0u);
  EXPECT_EQ(registry_.rules()->count(other.id), 1u);
  registry_.Register(other);  // no change, no copy
  EXPECT_EQ(registry_.rules()->size(), 3u);
}

// A hot reload registers the new version while the old one still decides
// queued events: a shorter retention must not let compaction remove what
// the old version can still see.
TEST_F(StateExpiryFilterTest, ReloadKeepsTheLongerRetention) {
  StateSpec longer = *MakeStateSpec("d", "c", StateKind::kCounter, 600, 10, 0);
  registry_.Register(longer);
  EXPECT_EQ(registry_.rules()->at(counter_.id).retention_ms, 600);
  registry_.Register(counter_);  // back to 60: keeps 600
  EXPECT_EQ(registry_.rules()->at(counter_.id).retention_ms, 600);
  // Clock 600: with retention 60 bucket 3 (ends at 39) would go; with 600
  // it stays.
  const std::string v = EncodeInt64(1);
  EXPECT_EQ(Run(600, BucketKey(counter_.id, "a", 3), v), Decision::kKeep);
}

}  // namespace
}  // namespace riskflow::state
