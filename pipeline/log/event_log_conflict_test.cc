// Repeated event ids with different content (DUPLICATE_IN_BATCH and
// conflicting resends) and the clock clamp on the watermark.
#include <stdlib.h>

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "pipeline/log/event_log.h"
#include "pipeline/log/event_log_harness.h"
#include "pipeline/log/log_keys.h"
#include "pipeline/storage/key_encoding.h"
#include "pipeline/storage/store.h"
#include "rocksdb/write_batch.h"

namespace riskflow::log {

using storage::SequenceKey;

namespace {

using riskflow::v1::Event;

Event MakeEvent(const std::string& id, int64_t t, int64_t amount = 100) {
  Event e;
  e.set_event_id(id);
  e.set_channel_id("card");
  e.set_type(riskflow::v1::PAYMENT);
  e.set_event_time_ms(t);
  e.set_account_id("acct");
  e.set_amount_minor(amount);
  e.set_currency("CNY");
  return e;
}

// Param: memory_id_index_entries (0 = the daemon's store index).
class LogFixture : public ::testing::TestWithParam<size_t>,
                   public EventLogHarness {
 protected:
  void SetUp() override {
    options_.allowed_lateness_ms = 1000;
    options_.memory_id_index_entries = GetParam();
  }
  // The watermark the log stamped on the last dispatched event.
  int64_t LastWatermark(size_t expected_count) {
    WaitDispatched(expected_count);
    absl::MutexLock lock(&mu_);
    return dispatched_.empty() ? -1 : dispatched_.back().watermark_ms;
  }
};

using ConflictTest = LogFixture;

TEST_P(ConflictTest, RepeatInOneBatchWithOtherContentIsDuplicateInBatch) {
  OpenLog();
  AppendOutcome out = Append({MakeEvent("a", 1000), MakeEvent("a", 1000),
                              MakeEvent("a", 1000, 999), MakeEvent("b", 2000)});
  ASSERT_EQ(out.conflict.size(), 4u);
  EXPECT_FALSE(out.duplicate[0]);
  // Same content: an ordinary duplicate of the first.
  EXPECT_TRUE(out.duplicate[1]);
  EXPECT_EQ(out.conflict[1], Conflict::kNone);
  EXPECT_EQ(out.sequences[1], out.sequences[0]);
  // Other content: a conflict inside the batch; not logged.
  EXPECT_TRUE(out.duplicate[2]);
  EXPECT_EQ(out.conflict[2], Conflict::kInBatch);
  EXPECT_EQ(out.sequences[2], out.sequences[0]);
  EXPECT_FALSE(out.duplicate[3]);
  EXPECT_EQ(out.sequences[3], out.sequences[0] + 1);
}

TEST_P(ConflictTest, AttributeOrderIsNotAConflict) {
  OpenLog();
  Event first = MakeEvent("a", 1000);
  Event second = MakeEvent("a", 1000);
  // Insertion order differs; the hash uses deterministic serialization.
  for (int i = 0; i < 20; ++i) {
    (*first.mutable_attributes())["k" + std::to_string(i)] = "v";
    (*second.mutable_attributes())["k" + std::to_string(19 - i)] = "v";
  }
  AppendOutcome out = Append({first, second});
  EXPECT_TRUE(out.duplicate[1]);
  EXPECT_EQ(out.conflict[1], Conflict::kNone);
}

TEST_P(ConflictTest, ResendWithOtherContentIsAConflictInStoreMode) {
  OpenLog();
  AppendOutcome first = Append({MakeEvent("a", 1000)});
  AppendOutcome same = Append({MakeEvent("a", 1000)});
  EXPECT_TRUE(same.duplicate[0]);
  EXPECT_EQ(same.conflict[0], Conflict::kNone);
  AppendOutcome other = Append({MakeEvent("a", 1000, 5)});
  EXPECT_TRUE(other.duplicate[0]);
  EXPECT_EQ(other.sequences[0], first.sequences[0]);
  // The memory index (replay) keeps no content hash of earlier groups.
  EXPECT_EQ(other.conflict[0],
            GetParam() == 0 ? Conflict::kResend : Conflict::kNone);
}

INSTANTIATE_TEST_SUITE_P(StoreAndMemory, ConflictTest,
                         ::testing::Values(0, 1000),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           return info.param == 0 ? std::string("Store")
                                                  : std::string("Memory");
                         });

using StoreOnlyTest = LogFixture;

TEST_P(StoreOnlyTest, ConflictSurvivesRestart) {
  OpenLog();
  Append({MakeEvent("a", 1000)});
  CloseLog();
  OpenLog();
  AppendOutcome other = Append({MakeEvent("a", 1000, 7)});
  EXPECT_TRUE(other.duplicate[0]);
  EXPECT_EQ(other.conflict[0], Conflict::kResend);
  AppendOutcome same = Append({MakeEvent("a", 1000)});
  EXPECT_EQ(same.conflict[0], Conflict::kNone);
}

TEST_P(StoreOnlyTest, EntriesWithoutAHashAreOrdinaryDuplicates) {
  OpenLog();
  CloseLog();
  {
    // What an idempotency entry written before the content hash looks like.
    auto store = storage::Store::Open(dir_, storage::StoreOptions());
    ASSERT_TRUE(store.ok());
    rocksdb::WriteBatch batch;
    ASSERT_TRUE(batch
                    .Put((*store)->handle(storage::Cf::kIdem),
                         IdempotencyKey("card", "old"), SequenceKey(42))
                    .ok());
    ASSERT_TRUE((*store)->Write(&batch, true).ok());
  }
  OpenLog();
  AppendOutcome out = Append({MakeEvent("old", 1000, 1234)});
  EXPECT_TRUE(out.duplicate[0]);
  EXPECT_EQ(out.sequences[0], 42u);
  EXPECT_EQ(out.conflict[0], Conflict::kNone);
  auto seq = log_->LookupId("card", "old");
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(seq->value_or(0), 42u);
}

INSTANTIATE_TEST_SUITE_P(Store, StoreOnlyTest, ::testing::Values(0));

using ClampTest = LogFixture;

TEST_P(ClampTest, OneFutureEventCannotDragTheWatermark) {
  std::atomic<int64_t> now{100000};
  options_.clock = [&now] { return now.load(); };
  OpenLog();
  Append({MakeEvent("future", 4102444800000)});  // 2100-01-01
  Append({MakeEvent("normal", 99500)});
  // The future event counted as `now`, not as 2100: 100000 - 1000.
  EXPECT_EQ(LastWatermark(2), 99000);
  now = 200000;
  Append({MakeEvent("later", 150000)});
  // The future event's contribution stays what the clock allowed then.
  EXPECT_EQ(LastWatermark(3), 100000 - 1000);
  Append({MakeEvent("next", 180000)});
  EXPECT_EQ(LastWatermark(4), 150000 - 1000);
}

TEST_P(ClampTest, WithoutAClockTheStreamAloneDecides) {
  OpenLog();  // replay: no clock
  Append({MakeEvent("future", 4102444800000)});
  Append({MakeEvent("normal", 99500)});
  EXPECT_EQ(LastWatermark(2), 4102444800000 - 1000);
}

TEST_P(ClampTest, OpenPullsAPoisonedMaxEventTimeBackToTheClock) {
  if (GetParam() != 0) GTEST_SKIP() << "reopening needs the store index";
  OpenLog();  // no clock: how a store was poisoned before the clamp
  Append({MakeEvent("future", 4102444800000)});
  CloseLog();
  options_.clock = [] { return int64_t{100000}; };
  OpenLog();
  Append({MakeEvent("normal", 99500)});
  EXPECT_EQ(LastWatermark(2), 100000 - 1000);
}

INSTANTIATE_TEST_SUITE_P(StoreAndMemory, ClampTest,
                         ::testing::Values(0, 1000),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           return info.param == 0 ? std::string("Store")
                                                  : std::string("Memory");
                         });

}  // namespace
}  // namespace riskflow::log
