// The stored-key filter through a real engine, store and plugin (velocity,
// account-keyed): a fresh store's first touches skip their store reads,
// state written and evicted within one run is read back, and an engine
// started again on the same store, with a cache small enough to
// evict on every micro-batch, still finds every account's stored state,
// before its scan has finished and after (docs/state-memory.md,
// "Never-stored state is not read").
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
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
constexpr int kAccounts = 200;

// One payment per account, sequences from `first`.
std::vector<log::LoggedEvent> OnePaymentEach(uint64_t first) {
  std::vector<log::LoggedEvent> events;
  for (int a = 0; a < kAccounts; ++a) {
    log::LoggedEvent& e = events.emplace_back();
    e.sequence = first + static_cast<uint64_t>(a);
    e.watermark_ms = kT0 + static_cast<int64_t>(e.sequence) * 10;
    e.event.set_event_id(absl::StrCat("e", e.sequence));
    e.event.set_channel_id("test");
    e.event.set_type(v1::PAYMENT);
    e.event.set_account_id(absl::StrCat("acct-", a));
    e.event.set_counterparty("cp");
    e.event.set_amount_minor(100);
    e.event.set_currency("CNY");
    e.event.set_event_time_ms(e.watermark_ms);
  }
  return events;
}

class StoredKeyFilterEngineTest : public ::testing::Test {
 protected:
  // `max_cached`: (state, entity)s per shard; a few force evictions.
  void Start(size_t max_cached) {
    auto s = state::OpenStateStore(dir_.path() + "/engine",
                                   storage::StoreOptions());
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
    outbox_ = std::make_unique<sinks::Outbox>(store_.get());
    ASSERT_TRUE(outbox_->Open().ok());
    auto pipeline =
        testing::SecondPaymentNotifies("stored-key-filter-test", 8);
    ASSERT_NE(pipeline, nullptr);
    EngineOptions options;
    options.shards = 2;
    options.max_cached_entities_per_shard = max_cached;
    options.checkpoint.interval = absl::ZeroDuration();  // every batch
    // Written with each micro-batch's commit, so the cache trims (and
    // evicts) after every one (a pending background checkpoint defers it).
    options.checkpoint.background = false;
    auto e = Engine::Create(store_.get(), pipeline, outbox_.get(), nullptr,
                            options);
    ASSERT_TRUE(e.ok()) << e.status();
    engine_ = std::move(*e);
    engine_->Start();
  }
  void DecideAndStop(std::vector<log::LoggedEvent> events) {
    const uint64_t last = events.back().sequence;
    engine_->Dispatch(std::move(events));
    const absl::Time until = absl::Now() + absl::Seconds(30);
    while (engine_->processed_sequence() < last && absl::Now() < until) {
      absl::SleepFor(absl::Milliseconds(1));
    }
    ASSERT_EQ(engine_->processed_sequence(), last);
    engine_->VisitShards([&](uint32_t, const Shard& shard) {
      reads_ += shard.state_store_reads().done;
      skipped_ += shard.state_store_reads().skipped;
    });
    engine_->Stop();
    notified_ = outbox_->LastSequence(v1::NOTIFY);
    engine_.reset();
    outbox_.reset();
    store_.reset();
  }
  void WaitForScan() {
    const absl::Time until = absl::Now() + absl::Seconds(30);
    while (!engine_->stored_key_filter()->ready() && absl::Now() < until) {
      absl::SleepFor(absl::Milliseconds(1));
    }
    ASSERT_TRUE(engine_->stored_key_filter()->ready());
  }

  storage::ScopedTempDir dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<sinks::Outbox> outbox_;
  std::unique_ptr<Engine> engine_;
  uint64_t reads_ = 0, skipped_ = 0, notified_ = 0;
};

TEST_F(StoredKeyFilterEngineTest, RestartedEngineFindsEveryStoredAccount) {
  ASSERT_NO_FATAL_FAILURE(Start(/*max_cached=*/1 << 20));
  WaitForScan();  // an empty store: ready at once
  ASSERT_NO_FATAL_FAILURE(DecideAndStop(OnePaymentEach(1)));
  EXPECT_EQ(notified_, 0u);
  EXPECT_EQ(reads_, 0u);  // nothing was ever stored
  EXPECT_GE(skipped_, static_cast<uint64_t>(kAccounts));

  // A new process, its scan done, a cache of 4 (state, entity)s per shard:
  // every account is a miss (and most are evicted again at once), and
  // every one's first payment is found in the store.
  reads_ = skipped_ = 0;
  ASSERT_NO_FATAL_FAILURE(Start(/*max_cached=*/4));
  WaitForScan();
  ASSERT_NO_FATAL_FAILURE(DecideAndStop(OnePaymentEach(kAccounts + 1)));
  EXPECT_EQ(notified_, static_cast<uint64_t>(kAccounts));
  EXPECT_GE(reads_, static_cast<uint64_t>(kAccounts));
}

TEST_F(StoredKeyFilterEngineTest, StateWrittenAndEvictedInOneRunIsReadBack) {
  // A fresh store (the filter is ready at once, empty) and a cache of 4:
  // each account's first payment is checkpointed and evicted before its
  // second; only the shard's own add makes the second read it.
  ASSERT_NO_FATAL_FAILURE(Start(/*max_cached=*/4));
  WaitForScan();
  std::vector<log::LoggedEvent> events = OnePaymentEach(1);
  for (log::LoggedEvent& e : OnePaymentEach(kAccounts + 1)) {
    events.push_back(std::move(e));
  }
  ASSERT_NO_FATAL_FAILURE(DecideAndStop(std::move(events)));
  EXPECT_EQ(notified_, static_cast<uint64_t>(kAccounts));
  EXPECT_GE(skipped_, static_cast<uint64_t>(kAccounts) / 2);
  EXPECT_GE(reads_, static_cast<uint64_t>(kAccounts) / 2);
}

TEST_F(StoredKeyFilterEngineTest, EventsBeforeTheScanEndsStillRead) {
  ASSERT_NO_FATAL_FAILURE(Start(/*max_cached=*/1 << 20));
  ASSERT_NO_FATAL_FAILURE(DecideAndStop(OnePaymentEach(1)));
  // No wait for the scan: whatever it has reached, the decisions are the
  // same.
  ASSERT_NO_FATAL_FAILURE(Start(/*max_cached=*/4));
  ASSERT_NO_FATAL_FAILURE(DecideAndStop(OnePaymentEach(kAccounts + 1)));
  EXPECT_EQ(notified_, static_cast<uint64_t>(kAccounts));
}

}  // namespace
}  // namespace riskflow::engine
