// PlanKeyedEvent: which queue items an event of a keyed pipeline becomes,
// live and when re-run after a crash with per-shard offsets
// (docs/keyed-stages.md, "Recovery").
#include "pipeline/engine/stage_plan.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "pipeline/engine/partition.h"
#include "pipeline/log/log_keys.h"
#include "pipeline/storage/key_encoding.h"
#include "pipeline/storage/store.h"
#include "pipeline/storage/test_util.h"
#include "rocksdb/write_batch.h"

namespace riskflow::engine {
namespace {

using storage::Cf;

// A key that lands on shard k of 2.
std::string KeyOn(const std::string& prefix, uint32_t k) {
  for (int i = 0;; ++i) {
    std::string key = absl::StrCat(prefix, i);
    if (ShardOf(key, 2) == k) return key;
  }
}

log::LoggedEvent Event(uint64_t sequence, const std::string& account,
                       const std::string& counterparty) {
  log::LoggedEvent e;
  e.sequence = sequence;
  e.event.set_event_id(absl::StrCat("e", sequence));
  e.event.set_account_id(account);
  e.event.set_counterparty(counterparty);
  return e;
}

class StagePlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Slot 1 of three is keyed by counterparty.
    layout_.keyed_slots = {{1, RF_PARTITION_COUNTERPARTY}};
    auto store = storage::Store::Open(dir_.path(), storage::StoreOptions());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  std::vector<std::vector<ShardItem>> Plan(log::LoggedEvent e,
                                           const ShardLayouts* recovery) {
    std::vector<std::vector<ShardItem>> per_shard(2);
    PlanKeyedEvent(layout_, std::move(e), 2, recovery, recovery != nullptr,
                   &per_shard);
    return per_shard;
  }

  // Two shards whose checkpoints reached 10 (shard 0) and 5 (shard 1).
  ShardLayouts Offsets() {
    auto fresh = ShardLayouts::Load(store_.get(), 0);
    EXPECT_TRUE(fresh.ok());
    EXPECT_TRUE(fresh->Register(store_.get(), 2).ok());
    rocksdb::WriteBatch batch;
    batch.Put(store_->handle(Cf::kMeta), ShardLayouts::OffsetKey(2, 0),
              storage::SequenceKey(10));
    batch.Put(store_->handle(Cf::kMeta), ShardLayouts::OffsetKey(2, 1),
              storage::SequenceKey(5));
    EXPECT_TRUE(store_->Write(&batch, false).ok());
    auto loaded = ShardLayouts::Load(store_.get(), 0);
    EXPECT_TRUE(loaded.ok());
    return *loaded;
  }

  StageLayout layout_;
  storage::ScopedTempDir dir_;
  std::unique_ptr<storage::Store> store_;
};

TEST_F(StagePlanTest, LiveEventGoesToItsHomeAndItsCounterpartysShard) {
  auto items = Plan(Event(3, KeyOn("a", 0), KeyOn("cp", 1)), nullptr);
  ASSERT_EQ(items[1].size(), 1u);
  EXPECT_EQ(items[1][0].stage_slots, 0b10u);
  EXPECT_EQ(items[1][0].home, 0u);
  EXPECT_TRUE(items[1][0].post_partial);
  ASSERT_EQ(items[0].size(), 1u);
  EXPECT_EQ(items[0][0].stage_slots, 0u);
  EXPECT_EQ(items[0][0].remote_slots, 0b10u);
  EXPECT_EQ(items[0][0].partials, 1u);
  EXPECT_EQ(items[0][0].event.event.event_id(), "e3");
  EXPECT_EQ(items[1][0].event.event.event_id(), "e3");
}

TEST_F(StagePlanTest, SameShardRunsEverythingInOneItem) {
  auto items = Plan(Event(3, KeyOn("a", 1), KeyOn("cp", 1)), nullptr);
  EXPECT_TRUE(items[0].empty());
  ASSERT_EQ(items[1].size(), 1u);
  EXPECT_EQ(items[1][0].remote_slots, 0u);
  EXPECT_EQ(items[1][0].partials, 0u);
}

TEST_F(StagePlanTest, RerunWithDecidedHomeRunsTheStageForStateOnly) {
  ShardLayouts layouts = Offsets();
  // Home 0 checkpointed through 10, the counterparty's shard 1 only to 5.
  log::LoggedEvent e = Event(7, KeyOn("a", 0), KeyOn("cp", 1));
  EXPECT_TRUE(NeedsRerun(layout_, layouts, e));
  auto items = Plan(e, &layouts);
  EXPECT_TRUE(items[0].empty());  // not decided again
  ASSERT_EQ(items[1].size(), 1u);
  EXPECT_EQ(items[1][0].stage_slots, 0b10u);
  EXPECT_FALSE(items[1][0].post_partial);  // nobody waits for it
}

TEST_F(StagePlanTest, RerunWithCheckpointedStageDecidesWithoutAPartial) {
  ShardLayouts layouts = Offsets();
  // Home 1 is behind (5), the counterparty's shard 0 is past it (10): its
  // state holds the event, which was decided before the crash.
  auto items = Plan(Event(7, KeyOn("a", 1), KeyOn("cp", 0)), &layouts);
  EXPECT_TRUE(items[0].empty());  // the stage is not run twice
  ASSERT_EQ(items[1].size(), 1u);
  EXPECT_EQ(items[1][0].remote_slots, 0b10u);  // its annotations: none
  EXPECT_EQ(items[1][0].partials, 0u);
  EXPECT_TRUE(items[1][0].recovered);
}

TEST_F(StagePlanTest, DoneEventsAreSkippedAndLaterOnesRunAsLive) {
  ShardLayouts layouts = Offsets();
  // Home 0 decided through 10; a counterparty keyed to shard 0 is done
  // too: nothing to re-run.
  log::LoggedEvent done = Event(7, KeyOn("a", 0), KeyOn("cp", 0));
  EXPECT_FALSE(NeedsRerun(layout_, layouts, done));
  auto items = Plan(done, &layouts);
  EXPECT_TRUE(items[0].empty());
  EXPECT_TRUE(items[1].empty());
  // Past both offsets: everything runs, as live.
  items = Plan(Event(12, KeyOn("a", 0), KeyOn("cp", 1)), &layouts);
  ASSERT_EQ(items[0].size(), 1u);
  EXPECT_EQ(items[0][0].partials, 1u);
  ASSERT_EQ(items[1].size(), 1u);
  EXPECT_TRUE(items[1][0].post_partial);
}

}  // namespace
}  // namespace riskflow::engine
