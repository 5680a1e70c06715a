// StageMailbox: partials of one event from several stage shards merge; a
// Take waits for all of them; Close wakes a waiter for good; partials of
// events the home already decided (a re-run after a crash) are dropped.
#include "pipeline/engine/stage_mailbox.h"

#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace riskflow::engine {
namespace {

plugin_host::StagePartial One(uint32_t slot, const std::string& detector) {
  plugin_host::StagePartial p;
  auto& [s, annotations] = p.slots.emplace_back();
  s = slot;
  annotations.emplace_back().set_detector(detector);
  return p;
}

TEST(StageMailboxTest, TakesOnlyOnceEveryPartialArrived) {
  StageMailbox box;
  plugin_host::StagePartial out;
  EXPECT_FALSE(box.TryTake(7, 2, &out));
  box.Post(7, One(1, "counterparty_burst"));
  EXPECT_FALSE(box.TryTake(7, 2, &out));
  box.Post(7, One(3, "device_burst"));
  ASSERT_TRUE(box.TryTake(7, 2, &out));
  ASSERT_EQ(out.slots.size(), 2u);
  EXPECT_EQ(out.slots[0].first, 1u);
  EXPECT_EQ(out.slots[1].second[0].detector(), "device_burst");
  EXPECT_EQ(box.pending(), 0u);  // taken once
  EXPECT_FALSE(box.TryTake(7, 2, &out));
}

TEST(StageMailboxTest, TakeWaitsForALatePostFromAnotherThread) {
  StageMailbox box;
  absl::Notification waiting;
  std::thread poster([&] {
    waiting.WaitForNotification();
    absl::SleepFor(absl::Milliseconds(20));
    box.Post(9, One(0, "a"));  // never blocks
  });
  plugin_host::StagePartial out;
  waiting.Notify();
  EXPECT_TRUE(box.Take(9, 1, &out));
  EXPECT_EQ(out.slots.size(), 1u);
  poster.join();
}

TEST(StageMailboxTest, CloseWakesAWaiterWithoutAPartial) {
  StageMailbox box;
  std::thread closer([&] {
    absl::SleepFor(absl::Milliseconds(20));
    box.Close();
  });
  plugin_host::StagePartial out;
  EXPECT_FALSE(box.Take(5, 1, &out));
  closer.join();
  EXPECT_FALSE(box.Take(6, 1, &out));  // closed for good
}

TEST(StageMailboxTest, DropsPartialsOfEventsTheHomeAlreadyDecided) {
  StageMailbox box;
  box.Post(3, One(0, "early"));
  box.SetDecidedThrough(4);
  EXPECT_EQ(box.pending(), 0u);  // a straggler is forgotten
  box.Post(4, One(0, "rerun"));   // a stage shard re-running its state
  EXPECT_EQ(box.pending(), 0u);
  box.Post(5, One(0, "live"));
  plugin_host::StagePartial out;
  EXPECT_TRUE(box.TryTake(5, 1, &out));
}

}  // namespace
}  // namespace riskflow::engine
