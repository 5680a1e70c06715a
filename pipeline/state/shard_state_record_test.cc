// The per-entity record layout and the memory budget: all states of one
// entity live (and are evicted) together, a byte budget evicts least
// recently used clean entities only, and what leaves the cache reloads
// intact from the DB.
#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "pipeline/state/key_codec.h"
#include "pipeline/state/shard_state.h"
#include "pipeline/state/shard_state_inspector.h"
#include "pipeline/state/shard_state_test_fixture.h"
#include "rocksdb/write_batch.h"

namespace riskflow::state {
namespace {

using ShardStateRecordTest = ShardStateTest;

// Every (state id, entity) the cache holds, with its bucket values and
// whether a last-seen value is set (the views die with the call).
std::map<std::pair<uint64_t, std::string>, CachedValues> Snapshot(
    const ShardState& c) {
  std::map<std::pair<uint64_t, std::string>, CachedValues> out;
  ShardStateInspector::ForEach(c, [&](const CachedValues& v) {
    CachedValues copy = v;
    copy.entity = {};
    copy.last_value = {};
    copy.members.clear();
    out[{v.state_id, std::string(v.entity)}] = copy;
  });
  return out;
}

TEST_F(ShardStateRecordTest, AllStatesOfAnEntityShareOneRecord) {
  ShardState& c = *cache_;
  ASSERT_OK(c.WindowAdd(counter_, "a", 1000, 1));
  ASSERT_OK(c.WindowAdd(sum_, "a", 1000, 250));
  ASSERT_OK(c.DistinctAdd(distinct_, "a", 1000, "dev1"));
  ASSERT_OK(c.LastPut(last_, "a", 1000, "CN"));
  ASSERT_OK(c.WindowAdd(counter_, "b", 1000, 3));
  // Five (state, entity) pairs in two records.
  EXPECT_EQ(c.stats().entities, 5u);
  EXPECT_EQ(c.stats().records, 2u);
  EXPECT_EQ(c.dirty_entities(), 5u);
  EXPECT_EQ(c.stats().misses, 5u);

  auto snap = Snapshot(c);
  ASSERT_EQ(snap.size(), 5u);
  const auto& a_count = snap.at({counter_.id, "a"});
  EXPECT_EQ(a_count.kind, StateKind::kCounter);
  ASSERT_EQ(a_count.buckets.size(), 1u);
  EXPECT_EQ(a_count.buckets[0], std::make_pair(int64_t{0}, int64_t{1}));
  EXPECT_EQ(snap.at({sum_.id, "a"}).buckets[0].second, 250);
  EXPECT_TRUE(snap.at({last_.id, "a"}).has_last);
  EXPECT_EQ(snap.at({counter_.id, "b"}).buckets[0].second, 3);

  // Committed and reopened from the DB: the on-disk layout is unchanged.
  Commit(&c);
  ShardState fresh(store_.get(), 1000, kLateness);
  EXPECT_EQ(Total(&fresh, counter_, "a", 1000, 60000), 1);
  EXPECT_EQ(Total(&fresh, sum_, "a", 1000, 60000), 250);
  EXPECT_EQ(Count(&fresh, "a", 1000, 60000), 1);
  auto got = fresh.LastGet(last_, "a", 1000);
  ASSERT_TRUE(got.ok() && got->has_value()) << got.status();
  EXPECT_EQ((*got)->first, "CN");
  EXPECT_EQ(Total(&fresh, counter_, "b", 1000, 60000), 3);
  EXPECT_EQ(fresh.stats().entities, 5u);
  EXPECT_EQ(fresh.stats().records, 2u);
}

// The plugin host hands LastGet's view to the plugin for the whole
// on_event call, during which the plugin may touch the entity's other
// states for the first time; adding them to the record must not move it.
TEST_F(ShardStateRecordTest, LastGetViewSurvivesTheEntitysOtherStates) {
  ASSERT_OK(cache_->LastPut(last_, "a", 1000, "CN"));
  Commit(cache_.get());
  ShardState c(store_.get(), 1000, kLateness);
  auto got = c.LastGet(last_, "a", 1000);
  ASSERT_TRUE(got.ok() && got->has_value()) << got.status();
  const std::string_view view = (*got)->first;
  ASSERT_EQ(view, "CN");
  // Misses: each adds an entry to a's record.
  ASSERT_OK(c.WindowAdd(counter_, "a", 1000, 1));
  ASSERT_OK(c.WindowAdd(sum_, "a", 1000, 1));
  ASSERT_OK(c.DistinctAdd(distinct_, "a", 1000, "d"));
  ASSERT_OK(c.WindowAdd(sum_long_, "a", 1000, 1));
  ASSERT_OK(c.DistinctAdd(distinct_long_, "a", 1000, "d"));
  ASSERT_TRUE(c.LastGet(last_forever_, "a", 1000).ok());
  EXPECT_EQ(c.stats().records, 1u);
  EXPECT_EQ(c.stats().entities, 7u);
  auto again = c.LastGet(last_, "a", 1000);
  ASSERT_TRUE(again.ok() && again->has_value());
  // Same bytes at the same address: the first view never dangled.
  EXPECT_EQ((*again)->first.data(), view.data());
  EXPECT_EQ(view, "CN");
}

TEST_F(ShardStateRecordTest, FlushWritesKeysInKeyOrderAcrossEntities) {
  ShardState& c = *cache_;
  // Entities of different lengths and states: key order is (id, length,
  // entity), not the order of first use.
  for (const char* e : {"zz", "a", "abc", "b"}) {
    ASSERT_OK(c.WindowAdd(sum_, e, 1000, 1));
    ASSERT_OK(c.WindowAdd(counter_, e, 1000, 1));
    ASSERT_OK(c.LastPut(last_, e, 1000, "x"));
  }
  rocksdb::WriteBatch batch;
  c.FlushTo(&batch);
  struct Keys : rocksdb::WriteBatch::Handler {
    std::vector<std::string> keys;
    rocksdb::Status PutCF(uint32_t, const rocksdb::Slice& k,
                          const rocksdb::Slice&) override {
      keys.push_back(k.ToString());
      return rocksdb::Status::OK();
    }
    rocksdb::Status MergeCF(uint32_t, const rocksdb::Slice& k,
                            const rocksdb::Slice&) override {
      keys.push_back(k.ToString());
      return rocksdb::Status::OK();
    }
  } keys;
  ASSERT_TRUE(batch.Iterate(&keys).ok());
  ASSERT_EQ(keys.keys.size(), 12u);
  EXPECT_TRUE(std::is_sorted(keys.keys.begin(), keys.keys.end()));
  EXPECT_EQ(c.dirty_entities(), 0u);
}

TEST_F(ShardStateRecordTest, KindChangeOfACachedStateIsRefused) {
  ShardState& c = *cache_;
  ASSERT_OK(c.WindowAdd(counter_, "a", 1000, 1));
  // Same detector/name (same id), another kind or bucket size.
  StateSpec as_sum = *MakeStateSpec(counter_.detector, counter_.name,
                                    StateKind::kSum, 60000, 10000, 0);
  EXPECT_EQ(c.WindowAdd(as_sum, "a", 1000, 1).code(),
            absl::StatusCode::kFailedPrecondition);
  StateSpec rebucketed = *MakeStateSpec(counter_.detector, counter_.name,
                                        StateKind::kCounter, 60000, 5000, 0);
  EXPECT_EQ(c.WindowTotal(rebucketed, "a", 1000, 60000).status().code(),
            absl::StatusCode::kFailedPrecondition);
  // Another entity has nothing cached under the old shape.
  EXPECT_TRUE(c.WindowAdd(as_sum, "b", 1000, 1).ok());
}

TEST_F(ShardStateRecordTest, MemoryBudgetEvictsLeastRecentlyUsedCleanEntities) {
  ShardState c(store_.get(), /*max_cached_entities=*/1000000, kLateness);
  constexpr int kEntities = 200;
  auto name = [](int i) { return "entity-with-a-long-name-" + std::to_string(i); };
  for (int i = 0; i < kEntities; ++i) {
    ASSERT_OK(c.WindowAdd(sum_, name(i), 1000, i));
    ASSERT_OK(c.DistinctAdd(distinct_, name(i), 1000, "device-" + name(i)));
    ASSERT_OK(c.LastPut(last_, name(i), 1000, "value-" + name(i)));
  }
  Commit(&c);
  const uint64_t all_bytes = c.stats().bytes;
  ASSERT_GT(all_bytes, 0u);
  EXPECT_EQ(c.stats().evictions, 0u);

  // A quarter of what they hold: Trim evicts down to 7/8 of it.
  const size_t budget = all_bytes / 4;
  c.SetMemoryBudget(budget);
  c.Trim();
  const ShardState::Stats s = c.stats();
  EXPECT_LE(s.bytes, budget - budget / 8);
  EXPECT_GT(s.evictions, 0u);
  // Whole entities leave: three states each.
  EXPECT_EQ(s.entities, 3 * s.records);
  EXPECT_EQ(s.entities + s.evictions, 3u * kEntities);

  // The survivors are the most recently used: the last entity is a hit.
  const uint64_t misses = c.stats().misses;
  EXPECT_EQ(Total(&c, sum_, name(kEntities - 1), 1000, 60000), kEntities - 1);
  EXPECT_EQ(c.stats().misses, misses);
  // The first one left and comes back from the DB, every state intact.
  EXPECT_EQ(Total(&c, sum_, name(1), 1000, 60000), 1);
  EXPECT_EQ(c.stats().misses, misses + 1);
  for (int i = 0; i < kEntities; ++i) {
    EXPECT_EQ(Total(&c, sum_, name(i), 1000, 60000), i);
    EXPECT_EQ(Count(&c, name(i), 1000, 60000), 1);
    auto got = c.LastGet(last_, name(i), 1000);
    ASSERT_TRUE(got.ok() && got->has_value()) << got.status();
    EXPECT_EQ((*got)->first, "value-" + name(i));
  }
}

TEST_F(ShardStateRecordTest, EntityLimitCountsStatesAndEvictsWholeEntities) {
  // max_cached_entities bounds (state, entity) pairs, as it always did:
  // 10 entities of 3 states exceed 12, and whole entities go until at most
  // 12 - 12/8 = 11 pairs remain, least recently used first.
  ShardState c(store_.get(), /*max_cached_entities=*/12, kLateness);
  for (int i = 0; i < 10; ++i) {
    const std::string e = "e" + std::to_string(i);
    ASSERT_OK(c.WindowAdd(counter_, e, 1000, i + 1));
    ASSERT_OK(c.WindowAdd(sum_, e, 1000, 10 * i));
    ASSERT_OK(c.LastPut(last_, e, 1000, e));
  }
  EXPECT_EQ(c.dirty_entities(), 30u);
  Commit(&c);
  EXPECT_EQ(c.dirty_entities(), 0u);
  EXPECT_EQ(c.stats().records, 3u);
  EXPECT_EQ(c.stats().entities, 9u);
  EXPECT_EQ(c.stats().evictions, 21u);
  const uint64_t misses = c.stats().misses;
  EXPECT_EQ(Total(&c, sum_, "e9", 1000, 60000), 90);  // kept: a hit
  EXPECT_EQ(c.stats().misses, misses);
  for (int i = 0; i < 10; ++i) {
    const std::string e = "e" + std::to_string(i);
    EXPECT_EQ(Total(&c, counter_, e, 1000, 60000), i + 1);
    EXPECT_EQ(Total(&c, sum_, e, 1000, 60000), 10 * i);
  }
}

TEST_F(ShardStateRecordTest, MemoryBudgetNeverEvictsDirtyEntities) {
  ShardState c(store_.get(), /*max_cached_entities=*/1000000, kLateness);
  c.SetMemoryBudget(1);
  for (int i = 0; i < 10; ++i) {
    ASSERT_OK(c.WindowAdd(counter_, "e" + std::to_string(i), 1000, i + 1));
  }
  EXPECT_FALSE(c.OverMemoryBudget());  // as of the last Trim: none yet
  c.Trim();  // nothing committed yet: all dirty, nothing may go
  EXPECT_EQ(c.stats().entities, 10u);
  EXPECT_EQ(c.stats().evictions, 0u);
  // What the engine's memory-pressure checkpoint looks at.
  EXPECT_TRUE(c.OverMemoryBudget());
  Commit(&c);
  EXPECT_EQ(c.stats().entities, 0u);
  EXPECT_EQ(c.stats().bytes, 0u);
  EXPECT_FALSE(c.OverMemoryBudget());
  EXPECT_EQ(c.stats().evictions, 10u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(Total(&c, counter_, "e" + std::to_string(i), 1000, 60000), i + 1);
  }
}

TEST_F(ShardStateRecordTest, StatsBytesFollowsWhatTheEntitiesHold) {
  ShardState& c = *cache_;
  ASSERT_OK(c.WindowAdd(counter_, "a", 1000, 1));
  Commit(&c);
  const uint64_t one = c.stats().bytes;
  EXPECT_GT(one, 0u);
  for (int i = 0; i < 50; ++i) {
    ASSERT_OK(c.DistinctAdd(distinct_, "a", 1000,
                            "a-member-longer-than-sso-" + std::to_string(i)));
  }
  Commit(&c);
  // 50 members of 48 bytes plus their heap strings.
  EXPECT_GT(c.stats().bytes, one + 50 * 48);
  // The window slides past them: trimmed and the block given back.
  ASSERT_OK(c.WindowAdd(counter_, "a", 1000000, 1));
  ASSERT_OK(c.DistinctAdd(distinct_, "a", 1000000, "x"));
  Commit(&c);
  EXPECT_LT(c.stats().bytes, one + 50 * 48);
  c.DropAll();
  EXPECT_EQ(c.stats().bytes, 0u);
  EXPECT_EQ(c.stats().entities, 0u);
}

}  // namespace
}  // namespace riskflow::state
