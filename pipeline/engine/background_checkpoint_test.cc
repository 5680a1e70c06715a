// Background checkpoints (docs/checkpoints.md) through a real engine, a real
// RocksDB store and a real plugin: while a shard's checkpoint write is held
// (CheckpointPolicy::write_hook_for_testing blocks it on the writer thread)
// the shard keeps deciding and committing, the checkpoint counts only once
// it is written, and Stop still writes the last one.
#include <atomic>
#include <memory>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "pipeline/engine/engine.h"
#include "pipeline/engine/test_pipelines.h"
#include "pipeline/engine/shard_layouts.h"
#include "pipeline/plugin_host/pipeline.h"
#include "pipeline/sinks/outbox.h"
#include "pipeline/state/state_store.h"
#include "pipeline/storage/key_encoding.h"
#include "pipeline/storage/store.h"
#include "pipeline/storage/test_util.h"

namespace riskflow::engine {
namespace {

namespace v1 = ::riskflow::v1;

constexpr int64_t kT0 = 1700000000000;

std::vector<log::LoggedEvent> Payout(uint64_t sequence) {
  v1::Event e;
  e.set_event_id(absl::StrCat("p", sequence));
  e.set_channel_id("test");
  e.set_type(v1::PAYOUT);
  e.set_account_id("acct-1");
  e.set_counterparty("payee");
  e.set_amount_minor(500000);
  e.set_currency("CNY");
  e.set_event_time_ms(kT0 + static_cast<int64_t>(sequence));
  std::vector<log::LoggedEvent> out(1);
  out[0].sequence = sequence;
  out[0].watermark_ms = e.event_time_ms();
  out[0].event = std::move(e);
  return out;
}

bool WaitFor(const std::function<bool()>& done) {
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (!done()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

class BackgroundCheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store =
        state::OpenStateStore(dir_.path() + "/engine", storage::StoreOptions());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    outbox_ = std::make_unique<sinks::Outbox>(store_.get());
    ASSERT_TRUE(outbox_->Open().ok());
  }

  // Stateless (large_amount) unless `state_memory_bytes` is set: then a
  // velocity detector with that memory budget.
  std::unique_ptr<Engine> MakeEngine(CheckpointPolicy policy,
                                     size_t state_memory_bytes = 0) {
    EngineOptions options;
    options.shards = 1;
    options.checkpoint = std::move(policy);
    std::shared_ptr<plugin_host::Pipeline> pipeline =
        testing::ReviewLargePayouts("bg-checkpoint-test");
    if (state_memory_bytes > 0) {
      options.state_memory_bytes_per_shard = state_memory_bytes;
      pipeline = testing::SecondPaymentNotifies("bg-checkpoint-test");
    }
    auto engine = Engine::Create(store_.get(), pipeline, outbox_.get(),
                                 nullptr, options);
    EXPECT_TRUE(engine.ok()) << engine.status();
    return engine.ok() ? std::move(*engine) : nullptr;
  }

  std::optional<uint64_t> StoredOffset() {
    std::string value;
    absl::StatusOr<bool> found = store_->Get(
        storage::Cf::kMeta, ShardLayouts::OffsetKey(1, 0), &value);
    EXPECT_TRUE(found.ok()) << found.status();
    uint64_t sequence = 0;
    if (!found.ok() || !*found || !storage::DecodeSequenceKey(value, &sequence)) {
      return std::nullopt;
    }
    return sequence;
  }
  bool DecisionStored(uint64_t sequence) {
    std::string value;
    absl::StatusOr<bool> found = store_->Get(
        storage::Cf::kDecisions, storage::SequenceKey(sequence), &value);
    return found.ok() && *found;
  }

  storage::ScopedTempDir dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<sinks::Outbox> outbox_;
};

TEST_F(BackgroundCheckpointTest, ShardKeepsCommittingWhileACheckpointIsHeld) {
  absl::Notification release;
  std::atomic<int> writes{0};
  CheckpointPolicy policy;
  policy.interval = absl::ZeroDuration();  // a checkpoint every micro-batch
  policy.write_hook_for_testing = [&](uint32_t) {
    if (writes.fetch_add(1) == 0) release.WaitForNotification();
    return absl::OkStatus();
  };
  std::unique_ptr<Engine> engine = MakeEngine(policy);
  ASSERT_NE(engine, nullptr);
  engine->Start();
  engine->Dispatch(Payout(1));
  // The first checkpoint (through 1) is now held in its write.
  ASSERT_TRUE(WaitFor([&] { return writes.load() >= 1; }));
  // The shard decides and commits the next events meanwhile: decisions
  // in the store, sink entries for them, progress reported.
  for (uint64_t s = 2; s <= 5; ++s) engine->Dispatch(Payout(s));
  ASSERT_TRUE(WaitFor([&] { return engine->processed_sequence() >= 5; }))
      << "the shard stopped deciding while its checkpoint was written";
  for (uint64_t s = 1; s <= 5; ++s) EXPECT_TRUE(DecisionStored(s)) << s;
  EXPECT_EQ(outbox_->LastSequence(v1::MANUAL_REVIEW), 5u);
  // Not checkpointed until the write commits; one write in flight at most.
  EXPECT_EQ(engine->checkpointed_sequence(), 0u);
  EXPECT_FALSE(StoredOffset().has_value());
  EXPECT_EQ(writes.load(), 1);

  release.Notify();
  ASSERT_TRUE(WaitFor([&] { return engine->checkpointed_sequence() >= 1; }));
  // Stop waits for whatever is in flight and writes the last checkpoint.
  engine->Stop();
  EXPECT_EQ(engine->checkpointed_sequence(), 5u);
  EXPECT_EQ(StoredOffset(), std::optional<uint64_t>(5));
}

TEST_F(BackgroundCheckpointTest, StopWaitsForTheCheckpointInFlight) {
  absl::Notification release;
  std::atomic<int> writes{0};
  CheckpointPolicy policy;
  policy.interval = absl::ZeroDuration();
  policy.write_hook_for_testing = [&](uint32_t) {
    if (writes.fetch_add(1) == 0) release.WaitForNotification();
    return absl::OkStatus();
  };
  std::unique_ptr<Engine> engine = MakeEngine(policy);
  ASSERT_NE(engine, nullptr);
  engine->Start();
  engine->Dispatch(Payout(1));
  ASSERT_TRUE(WaitFor([&] { return writes.load() >= 1; }));
  engine->Dispatch(Payout(2));
  ASSERT_TRUE(WaitFor([&] { return engine->processed_sequence() >= 2; }));
  std::thread stopper([&] { engine->Stop(); });
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_FALSE(StoredOffset().has_value());  // still held
  release.Notify();
  stopper.join();
  EXPECT_EQ(StoredOffset(), std::optional<uint64_t>(2));
}

TEST_F(BackgroundCheckpointTest, CacheOverItsMemoryBudgetCheckpointsToEvict) {
  // Neither time, events nor the dirty count is ever due here. A 1-byte
  // budget is exceeded by the first event's dirty velocity window, which
  // no Trim may evict: only the memory-pressure trigger checkpoints. Events
  // go one micro-batch each, as a trickle of traffic would: a checkpoint
  // is considered after a micro-batch.
  CheckpointPolicy policy;
  policy.interval = absl::InfiniteDuration();
  policy.events = 0;
  policy.max_dirty_entities = size_t{1} << 30;
  policy.memory_pressure_interval = absl::InfiniteDuration();
  constexpr uint64_t kControlEvents = 20;
  {
    std::unique_ptr<Engine> off = MakeEngine(policy, /*bytes=*/1);
    ASSERT_NE(off, nullptr);
    off->Start();
    for (uint64_t s = 1; s <= kControlEvents; ++s) {
      off->Dispatch(Payout(s));
      ASSERT_TRUE(WaitFor([&] { return off->processed_sequence() >= s; }));
    }
    EXPECT_EQ(off->checkpointed_sequence(), 0u) << "control: no trigger";
    off->Stop();  // the last checkpoint
  }
  policy.memory_pressure_interval = absl::ZeroDuration();
  std::unique_ptr<Engine> engine = MakeEngine(policy, /*bytes=*/1);
  ASSERT_NE(engine, nullptr);
  engine->Start();
  uint64_t s = kControlEvents;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (engine->checkpointed_sequence() <= kControlEvents + 1 &&
         absl::Now() < deadline) {
    engine->Dispatch(Payout(++s));
    ASSERT_TRUE(WaitFor([&] { return engine->processed_sequence() >= s; }));
    absl::SleepFor(absl::Milliseconds(1));
  }
  EXPECT_GT(engine->checkpointed_sequence(), kControlEvents + 1)
      << "no checkpoint after " << s - kControlEvents << " events";
  engine->Stop();
}

}  // namespace
}  // namespace riskflow::engine
