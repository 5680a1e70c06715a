// The priority lane through a real log (docs/evaluate-lane.md): while the
// writer is busy, an Evaluate-like submit joins the next group ahead of
// every Publish batch already waiting.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "pipeline/log/event_log.h"
#include "pipeline/log/event_log_harness.h"

namespace riskflow::log {
namespace {

using riskflow::v1::Event;

Event MakeEvent(const std::string& id, int64_t t) {
  Event e;
  e.set_event_id(id);
  e.set_channel_id("card");
  e.set_type(riskflow::v1::PAYMENT);
  e.set_event_time_ms(t);
  e.set_account_id("acct");
  e.set_amount_minor(100);
  e.set_currency("CNY");
  return e;
}

class EventLogLaneTest : public ::testing::Test, public EventLogHarness {
 protected:
  EventLogLaneTest() {
    options_.max_group_events = 1000;
    options_.max_group_events_with_priority = 200;
  }
  void SetUp() override { OpenLog(); }

  std::shared_ptr<AppendTicket> Submit(std::vector<Event> events, Lane lane) {
    auto ticket = log_->Submit(std::move(events), absl::Seconds(5), lane);
    EXPECT_TRUE(ticket.ok()) << ticket.status();
    return ticket.ok() ? *ticket : nullptr;
  }
};

TEST_F(EventLogLaneTest, PrioritySubmitIsWrittenInTheNextGroupAheadOfBulk) {
  constexpr int kBulkBatches = 30;
  constexpr int kBatchEvents = 100;
  // The harness's dispatcher takes mu_: holding it parks the writer right
  // after its first group, so everything below waits in the lanes.
  absl::ReleasableMutexLock parked(&mu_);
  auto first = Submit({MakeEvent("first", 1000)}, Lane::kBulk);
  ASSERT_NE(first, nullptr);
  auto first_out = first->Wait();
  ASSERT_TRUE(first_out.ok()) << first_out.status();
  ASSERT_EQ(first_out->sequences[0], 1u);
  std::vector<std::shared_ptr<AppendTicket>> bulk;
  for (int b = 0; b < kBulkBatches; ++b) {
    std::vector<Event> events;
    for (int i = 0; i < kBatchEvents; ++i) {
      events.push_back(MakeEvent(absl::StrCat("b", b, "-", i), 2000 + b));
    }
    bulk.push_back(Submit(std::move(events), Lane::kBulk));
    ASSERT_NE(bulk.back(), nullptr);
  }
  auto evaluate = Submit({MakeEvent("evaluate", 3000)}, Lane::kPriority);
  ASSERT_NE(evaluate, nullptr);
  EXPECT_FALSE(evaluate->WaitWithTimeout(absl::Milliseconds(20)))
      << "the writer was expected to be parked in the dispatcher";
  parked.Release();

  auto out = evaluate->Wait();
  ASSERT_TRUE(out.ok()) << out.status();
  // The first sequence of the next group, not the 3002nd...
  EXPECT_EQ(out->sequences[0], 2u);
  // ...in a group with at most 200 bulk events besides it: the group that
  // carries an Evaluate stays small.
  EXPECT_EQ(out->durable_sequence, 2u + 200u);

  uint64_t previous = out->sequences[0];
  for (int b = 0; b < kBulkBatches; ++b) {
    auto bout = bulk[b]->Wait();
    ASSERT_TRUE(bout.ok()) << bout.status();
    // Bulk batches keep their arrival order behind it.
    EXPECT_EQ(bout->sequences.front(), previous + 1) << "batch " << b;
    previous = bout->sequences.back();
    // Bulk-only groups hold at most 1000 events.
    EXPECT_LE(bout->durable_sequence - bout->sequences.front(), 1000u);
  }
  EXPECT_EQ(previous, 2u + kBulkBatches * kBatchEvents);

  // Only the Evaluate's event reaches the engine flagged as priority.
  WaitDispatched(2 + kBulkBatches * kBatchEvents);
  absl::MutexLock lock(&mu_);
  for (const LoggedEvent& e : dispatched_) {
    EXPECT_EQ(e.priority, e.event.event_id() == "evaluate") << e.sequence;
  }
}

TEST_F(EventLogLaneTest, AFullBulkLaneDoesNotRefuseAPrioritySubmit) {
  CloseLog();
  // The parked first event still counts until its dispatch returns.
  options_.max_pending_events = 101;
  OpenLog();
  // Parks the writer after its first group, as above.
  absl::ReleasableMutexLock parked(&mu_);
  auto first = Submit({MakeEvent("first", 1000)}, Lane::kBulk);
  ASSERT_NE(first, nullptr);
  ASSERT_TRUE(first->Wait().ok());
  std::vector<Event> events;
  for (int i = 0; i < 100; ++i) {
    events.push_back(MakeEvent(absl::StrCat("b", i), 2000));
  }
  auto full = Submit(std::move(events), Lane::kBulk);
  ASSERT_NE(full, nullptr);
  // The bulk lane is full: another Publish batch is refused...
  auto refused = log_->Submit({MakeEvent("late", 2000)},
                              absl::Milliseconds(10), Lane::kBulk);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  // ...an Evaluate is not.
  auto evaluate = log_->Submit({MakeEvent("evaluate", 2000)},
                               absl::Milliseconds(10), Lane::kPriority);
  EXPECT_TRUE(evaluate.ok()) << evaluate.status();
  parked.Release();
  ASSERT_TRUE(evaluate.ok());
  auto out = (*evaluate)->Wait();
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->sequences[0], 2u);
}

}  // namespace
}  // namespace riskflow::log
