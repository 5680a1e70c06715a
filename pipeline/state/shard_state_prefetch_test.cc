// ShardState::PrefetchEntity only prefetches: whatever stage, entity or
// order, the cache's contents, counters and recency stay as they were.
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "pipeline/state/shard_state.h"
#include "pipeline/state/shard_state_inspector.h"
#include "pipeline/state/shard_state_test_fixture.h"

namespace riskflow::state {
namespace {

class ShardStatePrefetchTest : public ShardStateTest {
 protected:
  // One event of account "a": the account's own state, then derived ones.
  void Event(ShardState& c, int64_t time,
             const std::vector<std::string>& derived) {
    ASSERT_OK(c.WindowAdd(counter_, "a", time, 1));
    for (const std::string& d : derived) {
      ASSERT_OK(c.WindowAdd(sum_, d, time, 5));
    }
    c.EndEvent("a");
  }
};

// Everything observable about the cache, with owned copies of the views.
struct Observed {
  std::map<std::pair<uint64_t, std::string>,
           std::tuple<int, std::vector<std::pair<int64_t, int64_t>>,
                      std::vector<std::pair<int64_t, std::string>>, bool,
                      int64_t, std::string>>
      values;
  std::vector<uint64_t> stats;
  size_t dirty = 0;

  bool operator==(const Observed& o) const {
    return values == o.values && stats == o.stats && dirty == o.dirty;
  }
};

Observed Observe(const ShardState& c) {
  Observed out;
  ShardStateInspector::ForEach(c, [&](const CachedValues& v) {
    std::vector<std::pair<int64_t, std::string>> members;
    for (const auto& [b, m] : v.members) members.emplace_back(b, m);
    out.values[{v.state_id, std::string(v.entity)}] =
        std::make_tuple(static_cast<int>(v.kind), v.buckets, members,
                        v.has_last, v.has_last ? v.last_t : 0,
                        std::string(v.last_value));
  });
  const ShardState::Stats s = c.stats();
  out.stats = {s.hits,    s.misses,      s.entities,    s.evictions,
               s.unwritten, s.records,   s.store_reads, s.store_reads_skipped};
  out.dirty = c.dirty_entities();
  return out;
}

void PrefetchAllStages(ShardState& c, std::string_view entity) {
  for (int stage = 0; stage < ShardState::kPrefetchStages; ++stage) {
    c.PrefetchEntity(entity, stage);
  }
}

TEST_F(ShardStatePrefetchTest, EntityNotCachedIsNotInsertedOrLoaded) {
  ShardState& c = *cache_;
  ASSERT_OK(c.WindowAdd(counter_, "a", 1000, 1));
  Commit(&c);
  const Observed before = Observe(c);
  for (const char* e : {"b", "", "a-longer-entity-than-any-inline-string"}) {
    PrefetchAllStages(c, e);
  }
  // Stages out of order or out of range are harmless too.
  c.PrefetchEntity("b", 3);
  c.PrefetchEntity("b", 99);
  EXPECT_TRUE(Observe(c) == before);
  EXPECT_EQ(c.stats().records, 1u);

  // "b" is still a miss that reads the store: nothing was cached for it.
  ASSERT_OK(c.WindowAdd(counter_, "b", 1000, 1));
  EXPECT_EQ(c.stats().misses, before.stats[1] + 1);
}

TEST_F(ShardStatePrefetchTest, CachedEntityOfEveryKindIsUnchanged) {
  ShardState& c = *cache_;
  for (int64_t t = 0; t < 60000; t += 700) {
    ASSERT_OK(c.WindowAdd(counter_, "a", t, 1));
    ASSERT_OK(c.WindowAdd(sum_, "a", t, t));
    ASSERT_OK(c.DistinctAdd(distinct_, "a", t, "dev" + std::to_string(t % 9)));
  }
  ASSERT_OK(c.LastPut(last_, "a", 59000, std::string(100, 'x')));
  ASSERT_OK(c.LastPut(last_forever_, "a", 59000, "CN"));
  ASSERT_OK(c.WindowAdd(counter_, "b", 59000, 1));
  const Observed dirty_before = Observe(c);
  PrefetchAllStages(c, "a");
  PrefetchAllStages(c, "b");
  EXPECT_TRUE(Observe(c) == dirty_before);

  Commit(&c);
  const Observed before = Observe(c);
  PrefetchAllStages(c, "a");
  EXPECT_TRUE(Observe(c) == before);
  auto total = c.WindowTotal(counter_, "a", 59999, 60000);
  ASSERT_TRUE(total.ok());
  EXPECT_EQ(*total, 86);  // t = 0, 700, ..., 59500
}

// Many records: some probes meet other records whose hash tag matches,
// which the later stages must skip, not touch.
TEST_F(ShardStatePrefetchTest, ManyRecordsStayAsTheyWere) {
  ShardState& c = *cache_;
  for (int i = 0; i < 600; ++i) {
    const std::string e = "acct" + std::to_string(i);
    ASSERT_OK(c.WindowAdd(counter_, e, 1000, i));
    if (i % 3 == 0) ASSERT_OK(c.LastPut(last_, e, 1000, e));
  }
  Commit(&c);
  const Observed before = Observe(c);
  for (int i = 0; i < 1200; ++i) {
    PrefetchAllStages(c, "acct" + std::to_string(i));
  }
  EXPECT_TRUE(Observe(c) == before);
  EXPECT_EQ(c.stats().records, 600u);  // 800 pairs: none evicted
}

size_t H(std::string_view e) { return ShardStateInspector::EntityHash(e); }

TEST_F(ShardStatePrefetchTest, CompanionsAreTheDerivedRecordsFoundNewestFirst) {
  ShardState& c = *cache_;
  // First event: "a|CNY" is created, not found, so no companion yet.
  Event(c, 1000, {"a|CNY"});
  EXPECT_TRUE(ShardStateInspector::Companions(c, "a").empty());
  // Now found (its second look-up in a row is not a look-up at all).
  ASSERT_OK(c.WindowAdd(counter_, "b", 1000, 1));  // away from "a"
  Event(c, 2000, {"a|CNY", "a|CNY"});
  EXPECT_EQ(ShardStateInspector::Companions(c, "a"),
            std::vector<size_t>{H("a|CNY")});
  // Newer ones first, the older kept, "a" itself never, at most three.
  ASSERT_OK(c.WindowAdd(counter_, "x", 1000, 1));
  ASSERT_OK(c.WindowAdd(counter_, "y", 1000, 1));
  ASSERT_OK(c.WindowAdd(counter_, "z", 1000, 1));
  Event(c, 3000, {"x", "y"});
  EXPECT_EQ(ShardStateInspector::Companions(c, "a"),
            (std::vector<size_t>{H("x"), H("y"), H("a|CNY")}));
  Event(c, 4000, {"z", "x"});
  EXPECT_EQ(ShardStateInspector::Companions(c, "a"),
            (std::vector<size_t>{H("z"), H("x"), H("y")}));
  // An event that finds nothing derived keeps them.
  Event(c, 5000, {});
  EXPECT_EQ(ShardStateInspector::Companions(c, "a").size(), 3u);
}

TEST_F(ShardStatePrefetchTest, PrefetchWithCompanionsChangesNothing) {
  ShardState& c = *cache_;
  Event(c, 1000, {"a|CNY", "a|USD"});
  Event(c, 2000, {"a|CNY", "a|USD"});
  ASSERT_EQ(ShardStateInspector::Companions(c, "a").size(), 2u);
  Commit(&c);
  const Observed before = Observe(c);
  PrefetchAllStages(c, "a");
  EXPECT_TRUE(Observe(c) == before);
  // Companions evicted, their account kept: their hashes find nothing and
  // insert nothing. The cache holds 1,000 (state, entity) pairs.
  for (int i = 0; i < 1000; ++i) {
    ASSERT_OK(c.WindowAdd(counter_, "fresh" + std::to_string(i), 3000, 1));
  }
  Event(c, 3000, {});  // "a" is now the most recent
  Commit(&c);
  ASSERT_EQ(ShardStateInspector::Companions(c, "a").size(), 2u);
  const Observed again = Observe(c);
  ASSERT_EQ(again.values.count({sum_.id, "a|CNY"}), 0u);
  ASSERT_EQ(again.values.count({counter_.id, "a"}), 1u);
  PrefetchAllStages(c, "a");
  EXPECT_TRUE(Observe(c) == again);
  ASSERT_OK(c.WindowAdd(sum_, "a|CNY", 3000, 5));
  EXPECT_EQ(c.stats().misses, again.stats[1] + 1);
}

}  // namespace
}  // namespace riskflow::state

namespace riskflow::state {
namespace {

// The hashed form (entity hints): answers whether the entity may still be
// cached, so the shard stops walking an absent one; changes nothing.
TEST_F(ShardStatePrefetchTest, HashedFormSaysWhetherTheEntityIsCached) {
  ShardState& c = *cache_;
  ASSERT_OK(c.WindowAdd(counter_, "a", 1000, 1));
  ASSERT_OK(c.WindowAdd(sum_, "a|CNY", 1000, 5));
  Commit(&c);
  const Observed before = Observe(c);
  for (int stage = 0; stage <= 4; ++stage) {
    EXPECT_TRUE(
        c.PrefetchEntity("a|CNY", ShardState::EntityHash("a|CNY"), stage))
        << stage;
  }
  EXPECT_TRUE(c.PrefetchEntity("a|USD", ShardState::EntityHash("a|USD"), 0));
  // Stage 1 may see a tag collision; from stage 2 on the record is
  // compared: an absent entity is never reported as cached.
  for (int stage = 2; stage <= 4; ++stage) {
    EXPECT_FALSE(
        c.PrefetchEntity("a|USD", ShardState::EntityHash("a|USD"), stage))
        << stage;
  }
  // The stored-key filter prefetch is a no-op without a filter.
  c.PrefetchStoredKeyBlock(ShardState::EntityHash("a|USD"));
  EXPECT_TRUE(Observe(c) == before);
  EXPECT_EQ(ShardState::EntityHash("a|CNY"),
            ShardState::EntityHash(std::string("a|") + "CNY"));
}

}  // namespace
}  // namespace riskflow::state
