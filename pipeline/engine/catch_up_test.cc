// The recovery's catch-up (docs/recovery.md, "Catch-up speed"): while it
// re-runs the log tail the shards checkpoint only when their cache fills,
// the catch-up ends with one checkpoint, and a crash in the middle of it
// (a crash-consistent copy of the engine store taken mid-way, as a kill -9
// leaves it) still recovers every event exactly once. Also the one-scan
// look-up of stored decisions (StoredDecisionCursor).
#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "pipeline/engine/engine.h"
#include "pipeline/engine/test_pipelines.h"
#include "pipeline/engine/stored_decisions.h"
#include "pipeline/log/event_log.h"
#include "pipeline/plugin_host/pipeline.h"
#include "pipeline/sinks/outbox.h"
#include "pipeline/state/state_store.h"
#include "pipeline/storage/key_encoding.h"
#include "pipeline/storage/store.h"
#include "pipeline/storage/test_util.h"
#include "rocksdb/utilities/checkpoint.h"
#include "rocksdb/write_batch.h"

namespace riskflow::engine {
namespace {

namespace v1 = ::riskflow::v1;

constexpr int64_t kT0 = 1700000000000;
constexpr int kEvents = 20000;

v1::Event LargePayout(int n) {
  v1::Event e;
  e.set_event_id(absl::StrCat("p", n));
  e.set_channel_id("test");
  e.set_type(v1::PAYOUT);
  e.set_account_id(absl::StrCat("acct-", n % 500));
  e.set_counterparty("payee");
  e.set_amount_minor(500000);
  e.set_currency("CNY");
  e.set_event_time_ms(kT0 + n);
  return e;
}

class CatchUpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log_store =
        storage::Store::Open(dir_.path() + "/log", storage::StoreOptions());
    ASSERT_TRUE(log_store.ok()) << log_store.status();
    log_store_ = std::move(*log_store);
    // A log that no engine has seen yet: all of it is the tail.
    log::EventLog filler(log_store_.get(), log::EventLog::Options(),
                         [](std::vector<log::LoggedEvent>) {});
    ASSERT_TRUE(filler.Open().ok());
    filler.Start();
    for (int b = 0; b < kEvents / 1000; ++b) {
      std::vector<v1::Event> batch;
      for (int i = 0; i < 1000; ++i) batch.push_back(LargePayout(b * 1000 + i));
      auto ticket = filler.Submit(batch, absl::Seconds(5));
      ASSERT_TRUE(ticket.ok()) << ticket.status();
      ASSERT_TRUE((*ticket)->Wait().ok());
    }
    filler.Stop();
  }

  std::unique_ptr<storage::Store> OpenEngineStore(const std::string& dir) {
    auto store = state::OpenStateStore(dir, storage::StoreOptions());
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  // A live policy that would checkpoint after nearly every micro-batch,
  // and micro-batches of 64 events.
  std::unique_ptr<Engine> MakeEngine(
      storage::Store* store, sinks::Outbox* outbox,
      std::function<void(uint32_t, const std::vector<v1::Decision>&)>
          observer) {
    auto pipeline = testing::ReviewLargePayouts("catch-up-test");
    if (pipeline == nullptr) return nullptr;
    EngineOptions options;
    options.shards = 2;
    options.checkpoint.interval = absl::Milliseconds(1);
    options.checkpoint.events = 100;
    options.decision_observer = std::move(observer);
    auto engine =
        Engine::Create(store, std::move(pipeline), outbox, nullptr, options);
    EXPECT_TRUE(engine.ok()) << engine.status();
    return engine.ok() ? std::move(*engine) : nullptr;
  }

  std::unique_ptr<log::EventLog> OpenLog(Engine* e) {
    auto l = std::make_unique<log::EventLog>(
        log_store_.get(), log::EventLog::Options(),
        [e](std::vector<log::LoggedEvent> events) {
          e->Dispatch(std::move(events));
        });
    EXPECT_TRUE(l->Open().ok());
    return l;
  }

  // Every event in the review sink exactly once, sink sequences 1..n.
  void ExpectSinkExactlyOnce(sinks::Outbox* outbox) {
    std::vector<v1::Decision> sink;
    ASSERT_TRUE(outbox->Read(v1::MANUAL_REVIEW, 0, kEvents + 10, &sink).ok());
    ASSERT_EQ(sink.size(), static_cast<size_t>(kEvents));
    std::set<uint64_t> sequences;
    for (size_t i = 0; i < sink.size(); ++i) {
      EXPECT_EQ(sink[i].sink_sequence(), i + 1);
      sequences.insert(sink[i].sequence());
    }
    EXPECT_EQ(sequences.size(), static_cast<size_t>(kEvents));
  }

  storage::ScopedTempDir dir_;
  std::unique_ptr<storage::Store> log_store_;
};

TEST_F(CatchUpTest, WritesOneCheckpointAtItsEndAndSurvivesACrashMidWay) {
  std::unique_ptr<storage::Store> store =
      OpenEngineStore(dir_.path() + "/engine");
  ASSERT_NE(store, nullptr);
  auto outbox = std::make_unique<sinks::Outbox>(store.get());
  ASSERT_TRUE(outbox->Open().ok());

  // On the shard threads, after each committed micro-batch: the engine's
  // checkpoint must not move while the tail is being re-run; half-way, a
  // crash-consistent copy of the engine store (what a kill -9 leaves).
  std::atomic<Engine*> engine_ptr{nullptr};
  std::atomic<uint64_t> decided{0};
  std::atomic<uint64_t> checkpointed_during{0};
  absl::Mutex copy_mu;
  bool copied = false;
  const std::string crash_copy = dir_.path() + "/crash-copy";
  storage::Store* raw_store = store.get();
  auto observer = [&](uint32_t, const std::vector<v1::Decision>& d) {
    const uint64_t total = decided.fetch_add(d.size()) + d.size();
    Engine* e = engine_ptr.load();
    if (e != nullptr && e->recovering()) {
      const uint64_t c = e->checkpointed_sequence();
      uint64_t seen = checkpointed_during.load();
      while (c > seen && !checkpointed_during.compare_exchange_weak(seen, c)) {
      }
    }
    if (total >= kEvents / 2) {
      absl::MutexLock lock(&copy_mu);
      if (copied) return;
      copied = true;
      rocksdb::Checkpoint* cp = nullptr;
      ASSERT_TRUE(rocksdb::Checkpoint::Create(raw_store->db(), &cp).ok());
      std::unique_ptr<rocksdb::Checkpoint> owned(cp);
      ASSERT_TRUE(owned->CreateCheckpoint(crash_copy).ok());
    }
  };
  std::unique_ptr<Engine> engine =
      MakeEngine(store.get(), outbox.get(), observer);
  ASSERT_NE(engine, nullptr);
  engine_ptr.store(engine.get());
  auto event_log = OpenLog(engine.get());
  engine->Start();
  ASSERT_TRUE(engine->Recover(event_log.get()).ok());
  // The live policy (1 ms / 100 events) would have checkpointed dozens of
  // times; the catch-up wrote none before its end, and one at the end.
  EXPECT_EQ(checkpointed_during.load(), 0u);
  EXPECT_EQ(engine->checkpointed_sequence(), static_cast<uint64_t>(kEvents));
  EXPECT_EQ(decided.load(), static_cast<uint64_t>(kEvents));
  ExpectSinkExactlyOnce(outbox.get());
  engine_ptr.store(nullptr);
  engine->Stop();
  engine.reset();
  {
    absl::MutexLock lock(&copy_mu);
    ASSERT_TRUE(copied);
  }

  // The crash copy: decisions for about half of the tail, no checkpoint.
  // A start on it re-runs the whole tail, publishes only the rest, and
  // every event is in the sink exactly once, gap-free.
  std::unique_ptr<storage::Store> crashed = OpenEngineStore(crash_copy);
  ASSERT_NE(crashed, nullptr);
  auto crashed_outbox = std::make_unique<sinks::Outbox>(crashed.get());
  ASSERT_TRUE(crashed_outbox->Open().ok());
  std::atomic<uint64_t> published{0};
  std::unique_ptr<Engine> again = MakeEngine(
      crashed.get(), crashed_outbox.get(),
      [&](uint32_t, const std::vector<v1::Decision>& d) {
        published.fetch_add(d.size());
      });
  ASSERT_NE(again, nullptr);
  auto again_log = OpenLog(again.get());
  again->Start();
  ASSERT_TRUE(again->Recover(again_log.get()).ok());
  EXPECT_GE(published.load(), 1u);
  EXPECT_LE(published.load(), static_cast<uint64_t>(kEvents / 2));
  EXPECT_EQ(again->checkpointed_sequence(), static_cast<uint64_t>(kEvents));
  ExpectSinkExactlyOnce(crashed_outbox.get());
  again->Stop();
}

TEST(StoredDecisionCursorTest, AnswersInOneForwardScan) {
  storage::ScopedTempDir dir;
  auto store = state::OpenStateStore(dir.path() + "/engine",
                                     storage::StoreOptions());
  ASSERT_TRUE(store.ok()) << store.status();
  rocksdb::WriteBatch batch;
  for (uint64_t s : {1, 3, 5, 9, 12}) {
    batch.Put((*store)->handle(storage::Cf::kDecisions),
              storage::SequenceKey(s), "decision");
  }
  ASSERT_TRUE((*store)->Write(&batch, /*sync=*/false).ok());
  StoredDecisionCursor cursor(store->get(), /*after=*/2, /*through=*/10);
  EXPECT_EQ(cursor.Stored(2), std::nullopt);  // not in (2, 10]
  EXPECT_EQ(cursor.Stored(3), true);
  EXPECT_EQ(cursor.Stored(4), false);
  EXPECT_EQ(cursor.Stored(5), true);
  EXPECT_EQ(cursor.Stored(8), false);
  EXPECT_EQ(cursor.Stored(9), true);
  EXPECT_EQ(cursor.Stored(5), std::nullopt);  // backwards: cannot tell
  EXPECT_EQ(cursor.Stored(10), false);
  EXPECT_EQ(cursor.Stored(12), std::nullopt);  // beyond `through`
  EXPECT_EQ(cursor.found(), 3u);
  StoredDecisionCursor empty(store->get(), 5, 5);
  EXPECT_EQ(empty.Stored(5), std::nullopt);
}

}  // namespace
}  // namespace riskflow::engine
