#include "pipeline/log/event_log.h"

#include <stdlib.h>

#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "pipeline/state/store.h"

namespace riskflow::log {
namespace {

using riskflow::v1::Event;

std::string MakeTempDir() {
  std::string tmpl = ::testing::TempDir() + "/event_log_XXXXXX";
  char* dir = mkdtemp(tmpl.data());
  EXPECT_NE(dir, nullptr);
  return tmpl;
}

Event MakeEvent(const std::string& id, int64_t t,
                const std::string& channel = "card") {
  Event e;
  e.set_event_id(id);
  e.set_channel_id(channel);
  e.set_type(riskflow::v1::PAYMENT);
  e.set_event_time_ms(t);
  e.set_account_id("acct");
  e.set_amount_minor(100);
  e.set_currency("CNY");
  return e;
}

class EventLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    OpenLog();
  }
  void OpenLog() {
    auto store = state::Store::Open(dir_, state::StoreOptions());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    EventLog::Options options;
    options.allowed_lateness_ms = 1000;
    log_ = std::make_unique<EventLog>(
        store_.get(), options, [this](std::vector<LoggedEvent> events) {
          absl::MutexLock lock(&mu_);
          for (auto& e : events) dispatched_.push_back(std::move(e));
        });
    ASSERT_TRUE(log_->Open().ok());
    log_->Start();
  }
  void CloseLog() {
    log_.reset();
    store_.reset();
  }
  AppendOutcome Append(std::vector<Event> events) {
    auto ticket = log_->Submit(std::move(events), absl::Seconds(5));
    EXPECT_TRUE(ticket.ok()) << ticket.status();
    auto outcome = (*ticket)->Wait();
    EXPECT_TRUE(outcome.ok()) << outcome.status();
    return *outcome;
  }

  // Dispatch runs after the ack, so tests wait for it.
  void WaitDispatched(size_t n) {
    absl::MutexLock lock(&mu_);
    auto done = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return dispatched_.size() >= n;
    };
    ASSERT_TRUE(mu_.AwaitWithTimeout(absl::Condition(&done), absl::Seconds(10)));
  }

  std::string dir_;
  std::unique_ptr<state::Store> store_;
  std::unique_ptr<EventLog> log_;
  absl::Mutex mu_;
  std::vector<LoggedEvent> dispatched_;
};

TEST_F(EventLogTest, AssignsContiguousSequencesAndDispatchesInOrder) {
  AppendOutcome out = Append({MakeEvent("a", 1000), MakeEvent("b", 2000)});
  EXPECT_EQ(out.sequences, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(out.durable_sequence, 2u);
  out = Append({MakeEvent("c", 3000)});
  EXPECT_EQ(out.sequences, (std::vector<uint64_t>{3}));
  WaitDispatched(3);
  absl::MutexLock lock(&mu_);
  ASSERT_EQ(dispatched_.size(), 3u);
  EXPECT_EQ(dispatched_[0].event.event_id(), "a");
  EXPECT_EQ(dispatched_[2].sequence, 3u);
}

TEST_F(EventLogTest, ResentIdIsAnsweredWithTheOriginalSequence) {
  Append({MakeEvent("a", 1000), MakeEvent("b", 2000)});
  AppendOutcome out = Append({MakeEvent("b", 2000), MakeEvent("c", 3000)});
  EXPECT_EQ(out.sequences, (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(out.duplicate, (std::vector<bool>{true, false}));
  // Same id on another channel is a different event.
  out = Append({MakeEvent("b", 2000, "wallet")});
  EXPECT_EQ(out.duplicate, (std::vector<bool>{false}));
  // Twice in one batch: the second copy refers to the first.
  out = Append({MakeEvent("d", 1), MakeEvent("d", 1)});
  EXPECT_EQ(out.sequences, (std::vector<uint64_t>{5, 5}));
  EXPECT_EQ(out.duplicate, (std::vector<bool>{false, true}));
  WaitDispatched(5);
  absl::MutexLock lock(&mu_);
  EXPECT_EQ(dispatched_.size(), 5u);
}

TEST_F(EventLogTest, SurvivesReopenWithIdempotencyAndSequence) {
  Append({MakeEvent("a", 1000), MakeEvent("b", 5000)});
  CloseLog();
  OpenLog();
  EXPECT_EQ(log_->durable_sequence(), 2u);
  AppendOutcome out = Append({MakeEvent("a", 1000), MakeEvent("z", 2000)});
  EXPECT_EQ(out.sequences, (std::vector<uint64_t>{1, 3}));
  EXPECT_EQ(out.duplicate, (std::vector<bool>{true, false}));
  // Watermark carried over: max time 5000 - lateness 1000 = 4000 > 2000.
  WaitDispatched(3);
  absl::MutexLock lock(&mu_);
  ASSERT_FALSE(dispatched_.empty());
  EXPECT_EQ(dispatched_.back().watermark_ms, 4000);
  EXPECT_TRUE(dispatched_.back().late());
}

TEST_F(EventLogTest, ScanReturnsEverythingAfterASequence) {
  Append({MakeEvent("a", 1000), MakeEvent("b", 2000), MakeEvent("c", 3000)});
  std::vector<std::string> ids;
  ASSERT_TRUE(log_->Scan(1, [&](LoggedEvent&& e) {
                    ids.push_back(e.event.event_id());
                    return true;
                  }).ok());
  EXPECT_EQ(ids, (std::vector<std::string>{"b", "c"}));
  auto seq = log_->LookupId("card", "c");
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(seq->value_or(0), 3u);
  auto missing = log_->LookupId("card", "nope");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST_F(EventLogTest, FullQueueIsResourceExhaustedNotADrop) {
  CloseLog();
  auto store = state::Store::Open(dir_, state::StoreOptions());
  ASSERT_TRUE(store.ok());
  store_ = std::move(*store);
  EventLog::Options options;
  options.max_pending_events = 2;
  // Not started: nothing drains the queue.
  EventLog log(store_.get(), options, [](std::vector<LoggedEvent>) {});
  ASSERT_TRUE(log.Open().ok());
  auto first = log.Submit({MakeEvent("a", 1), MakeEvent("b", 2)},
                          absl::Milliseconds(10));
  ASSERT_TRUE(first.ok());
  auto second = log.Submit({MakeEvent("c", 3)}, absl::Milliseconds(10));
  EXPECT_EQ(second.status().code(), absl::StatusCode::kResourceExhausted);
  log.Start();
  auto outcome = (*first)->Wait();
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->sequences.size(), 2u);
}

}  // namespace
}  // namespace riskflow::log
