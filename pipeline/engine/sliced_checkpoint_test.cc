// Sliced checkpoints through a real engine, a real RocksDB store and a real
// plugin (velocity, account-keyed state): with one record per slice the
// shard decides events between the slices of a pending checkpoint, and the
// state it stores equals a synchronous-checkpoint run's over the same
// stream (docs/checkpoints.md, "Checkpoints serialised in slices").
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "pipeline/engine/engine.h"
#include "pipeline/engine/shard_layouts.h"
#include "pipeline/engine/test_pipelines.h"
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
constexpr int kAccounts = 150;
constexpr int kRounds = 4;

// kRounds passes over the accounts: every account's record is changed
// again while the checkpoint holding its previous change may be pending.
std::vector<log::LoggedEvent> Stream() {
  std::vector<log::LoggedEvent> events;
  uint64_t s = 0;
  for (int round = 0; round < kRounds; ++round) {
    for (int a = 0; a < kAccounts; ++a) {
      log::LoggedEvent& e = events.emplace_back();
      e.sequence = ++s;
      e.watermark_ms = kT0 + static_cast<int64_t>(s) * 100;
      e.event.set_event_id(absl::StrCat("e", s));
      e.event.set_channel_id("test");
      e.event.set_type(v1::PAYMENT);
      e.event.set_account_id(absl::StrCat("acct-", a));
      e.event.set_counterparty("cp");
      e.event.set_amount_minor(100 + round);
      e.event.set_currency("CNY");
      e.event.set_event_time_ms(e.watermark_ms);
    }
  }
  return events;
}

struct EngineRun {
  storage::ScopedTempDir dir;
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<sinks::Outbox> outbox;
  std::unique_ptr<Engine> engine;
  uint64_t between_slices = 0;
  uint64_t slices = 0;

  void Start(CheckpointPolicy policy) {
    auto s = state::OpenStateStore(dir.path() + "/engine",
                                   storage::StoreOptions());
    ASSERT_TRUE(s.ok()) << s.status();
    store = std::move(*s);
    outbox = std::make_unique<sinks::Outbox>(store.get());
    ASSERT_TRUE(outbox->Open().ok());
    // Small micro-batches, so a checkpoint spans many of them.
    auto pipeline =
        testing::SecondPaymentNotifies("sliced-checkpoint-test", 4);
    ASSERT_NE(pipeline, nullptr);
    EngineOptions options;
    options.shards = 1;
    options.checkpoint = std::move(policy);
    auto e = Engine::Create(store.get(), pipeline, outbox.get(), nullptr,
                            options);
    ASSERT_TRUE(e.ok()) << e.status();
    engine = std::move(*e);
    engine->Start();
  }

  void Finish() {
    engine->VisitShards([&](uint32_t, const Shard& shard) {
      between_slices += shard.events_between_slices();
      slices += shard.checkpoint_slices();
    });
    engine->Stop();
  }

  std::vector<std::pair<std::string, std::string>> State() {
    std::vector<std::pair<std::string, std::string>> out;
    auto it = store->NewIterator(storage::Cf::kState);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      out.emplace_back(it->key().ToString(), it->value().ToString());
    }
    return out;
  }

  std::optional<uint64_t> Offset() {
    std::string value;
    absl::StatusOr<bool> found = store->Get(
        storage::Cf::kMeta, ShardLayouts::OffsetKey(1, 0), &value);
    uint64_t sequence = 0;
    if (!found.ok() || !*found ||
        !storage::DecodeSequenceKey(value, &sequence)) {
      return std::nullopt;
    }
    return sequence;
  }
};

TEST(SlicedCheckpointEngineTest, DecidesBetweenSlicesAndStoresTheSameState) {
  const uint64_t last = static_cast<uint64_t>(kAccounts) * kRounds;
  EngineRun sliced;
  CheckpointPolicy policy;
  policy.interval = absl::ZeroDuration();  // due after every micro-batch
  policy.slice_records = 1;
  policy.slice_budget = absl::InfiniteDuration();
  ASSERT_NO_FATAL_FAILURE(sliced.Start(policy));
  sliced.engine->Dispatch(Stream());
  const absl::Time until = absl::Now() + absl::Seconds(30);
  while (sliced.engine->processed_sequence() < last && absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  ASSERT_EQ(sliced.engine->processed_sequence(), last);
  sliced.Finish();
  // The shard went on deciding while checkpoints were pending, one record
  // per slice: many slices, and events decided between them.
  EXPECT_GT(sliced.between_slices, 0u);
  EXPECT_GT(sliced.slices, 1u);
  EXPECT_EQ(sliced.Offset(), std::optional<uint64_t>(last));

  // The same stream with the synchronous checkpoint (every micro-batch).
  EngineRun synced;
  CheckpointPolicy sync_policy;
  sync_policy.interval = absl::ZeroDuration();
  sync_policy.background = false;
  ASSERT_NO_FATAL_FAILURE(synced.Start(sync_policy));
  synced.engine->Dispatch(Stream());
  synced.Finish();
  EXPECT_EQ(synced.slices, 0u);
  EXPECT_EQ(synced.Offset(), std::optional<uint64_t>(last));
  const auto state = sliced.State();
  EXPECT_FALSE(state.empty());
  EXPECT_EQ(state, synced.State());
  EXPECT_EQ(sliced.outbox->LastSequence(v1::NOTIFY),
            synced.outbox->LastSequence(v1::NOTIFY));
  EXPECT_EQ(sliced.outbox->LastSequence(v1::NOTIFY),
            static_cast<uint64_t>(kAccounts) * (kRounds - 1));
}

}  // namespace
}  // namespace riskflow::engine
