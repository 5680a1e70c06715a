// Engine::AwaitFreshDecision (the Evaluate path, docs/evaluate-lane.md):
// it skips the store look-up while the event's shard has not processed the
// event, so both orders must still return the decision: decided before the
// waiter registered (found in the store), and decided after it (published
// to the waiter).
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "pipeline/engine/engine.h"
#include "pipeline/engine/test_pipelines.h"
#include "pipeline/plugin_host/pipeline.h"
#include "pipeline/sinks/outbox.h"
#include "pipeline/state/state_store.h"
#include "pipeline/storage/store.h"
#include "pipeline/storage/test_util.h"

namespace riskflow::engine {
namespace {

namespace v1 = ::riskflow::v1;

constexpr int64_t kT0 = 1700000000000;

std::vector<log::LoggedEvent> TwoPayments(const std::string& account) {
  std::vector<log::LoggedEvent> events;
  for (uint64_t s = 1; s <= 2; ++s) {
    log::LoggedEvent& e = events.emplace_back();
    e.sequence = s;
    e.watermark_ms = kT0 + static_cast<int64_t>(s) * 1000;
    e.event.set_event_id(absl::StrCat("e", s));
    e.event.set_channel_id("test");
    e.event.set_type(v1::PAYMENT);
    e.event.set_account_id(account);
    e.event.set_counterparty("cp");
    e.event.set_amount_minor(100);
    e.event.set_currency("CNY");
    e.event.set_event_time_ms(e.watermark_ms);
  }
  return events;
}

class AwaitFreshDecisionTest : public ::testing::TestWithParam<uint32_t> {
 protected:
  void SetUp() override {
    auto store = state::OpenStateStore(dir_.path() + "/engine",
                                       storage::StoreOptions());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    outbox_ = std::make_unique<sinks::Outbox>(store_.get());
    ASSERT_TRUE(outbox_->Open().ok());
    auto pipeline = testing::SecondPaymentNotifies("second-notifies");
    ASSERT_NE(pipeline, nullptr);
    EngineOptions options;
    options.shards = GetParam();
    options.write_outboxes = false;
    auto engine = Engine::Create(store_.get(), pipeline, outbox_.get(),
                                 nullptr, options);
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = std::move(*engine);
    engine_->Start();
  }
  void TearDown() override {
    if (engine_ != nullptr) engine_->Stop();
  }

  storage::ScopedTempDir dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<sinks::Outbox> outbox_;
  std::unique_ptr<Engine> engine_;
};

TEST_P(AwaitFreshDecisionTest, DecidedBeforeTheWaiterRegisters) {
  engine_->Dispatch(TwoPayments("acct-a"));
  const absl::Time until = absl::Now() + absl::Seconds(10);
  while (engine_->processed_sequence() < 2 && absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  ASSERT_GE(engine_->processed_sequence(), 2u);
  // The shard is past the sequence: the look-up must run (skipping it
  // would wait for a publish that already happened, until the deadline).
  absl::StatusOr<v1::Decision> d = engine_->AwaitFreshDecision(
      2, "acct-a", absl::Now() + absl::Seconds(2));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->sequence(), 2u);
  EXPECT_EQ(d->route(), v1::NOTIFY);
}

TEST_P(AwaitFreshDecisionTest, DecidedAfterTheWaiterRegisters) {
  std::thread later([this] {
    absl::SleepFor(absl::Milliseconds(100));
    engine_->Dispatch(TwoPayments("acct-b"));
  });
  absl::StatusOr<v1::Decision> d = engine_->AwaitFreshDecision(
      2, "acct-b", absl::Now() + absl::Seconds(10));
  later.join();
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->sequence(), 2u);
  EXPECT_EQ(d->route(), v1::NOTIFY);
}

// A group of Evaluates only wakes only the shard deciding them: the other
// shards' progress markers wait for FlushDeferredMarkers (the log writer's
// idle hook) or the next ordinary group.
TEST_P(AwaitFreshDecisionTest, AnEvaluateOnlyGroupDefersOtherShardsMarkers) {
  auto wait_processed = [this](uint64_t sequence) {
    const absl::Time until = absl::Now() + absl::Seconds(10);
    while (engine_->processed_sequence() < sequence && absl::Now() < until) {
      absl::SleepFor(absl::Milliseconds(1));
    }
    return engine_->processed_sequence();
  };
  engine_->Dispatch(TwoPayments("acct-c"));
  ASSERT_GE(wait_processed(2), 2u);

  std::vector<log::LoggedEvent> evaluate = TwoPayments("acct-c");
  evaluate.erase(evaluate.begin());
  evaluate[0].sequence = 3;
  evaluate[0].event.set_event_id("e3");
  evaluate[0].priority = true;
  engine_->Dispatch(std::move(evaluate));
  absl::StatusOr<v1::Decision> d = engine_->AwaitFreshDecision(
      3, "acct-c", absl::Now() + absl::Seconds(10));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->sequence(), 3u);
  if (GetParam() > 1) {
    absl::SleepFor(absl::Milliseconds(100));
    EXPECT_EQ(engine_->processed_sequence(), 2u)
        << "a shard without the event was woken for its marker";
    engine_->FlushDeferredMarkers();
  }
  EXPECT_EQ(wait_processed(3), 3u);

  // An ordinary group carries every shard's marker at once.
  std::vector<log::LoggedEvent> more = TwoPayments("acct-d");
  more.erase(more.begin());
  more[0].sequence = 4;
  engine_->Dispatch(std::move(more));
  EXPECT_EQ(wait_processed(4), 4u);
}

INSTANTIATE_TEST_SUITE_P(Shards, AwaitFreshDecisionTest,
                         ::testing::Values(1u, 2u, 4u));

}  // namespace
}  // namespace riskflow::engine
