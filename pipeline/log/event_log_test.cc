#include "pipeline/log/event_log.h"

#include <stdlib.h>

#include <atomic>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "pipeline/log/event_log_harness.h"
#include "pipeline/log/id_index.h"
#include "pipeline/storage/key_encoding.h"
#include "pipeline/storage/store.h"
#include "rocksdb/write_batch.h"

namespace riskflow::log {

using storage::SequenceKey;

namespace {

using riskflow::v1::Event;

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

class EventLogTest : public ::testing::Test, public EventLogHarness {
 protected:
  // Options first, so a subclass can adjust them before SetUp opens.
  EventLogTest() { options_ = DefaultOptions(); }
  void SetUp() override { OpenLog(); }

  static EventLog::Options DefaultOptions() {
    EventLog::Options options;
    options.allowed_lateness_ms = 1000;
    return options;
  }
};

// The basics with either record backend: the RocksDB log column family and
// segment files.
class BackendTest : public EventLogTest,
                    public ::testing::WithParamInterface<size_t> {
 protected:
  void SetUp() override {
    UseMode(GetParam());
    EventLogTest::SetUp();
  }
};

INSTANTIATE_TEST_SUITE_P(
    RocksAndSegments, BackendTest,
    ::testing::Values(0, EventLogHarness::kSegments),
    [](const ::testing::TestParamInfo<size_t>& info) {
      return EventLogHarness::ModeName(info.param);
    });

TEST_P(BackendTest, AssignsContiguousSequencesAndDispatchesInOrder) {
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

TEST_P(BackendTest, ResentIdIsAnsweredWithTheOriginalSequence) {
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

TEST_P(BackendTest, SurvivesReopenWithIdempotencyAndSequence) {
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

TEST_P(BackendTest, ScanReturnsEverythingAfterASequence) {
  Append({MakeEvent("a", 1000), MakeEvent("b", 2000), MakeEvent("c", 3000)});
  std::vector<std::string> ids;
  ASSERT_TRUE(log_->Scan(1, [&](LoggedEvent&& e) {
                    ids.push_back(e.event.event_id());
                    return true;
                  }).ok());
  EXPECT_EQ(ids, (std::vector<std::string>{"b", "c"}));
  auto read = log_->Read(2);
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ((*read)->event.event_id(), "b");
  read = log_->Read(4);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_FALSE(read->has_value());
  auto seq = log_->LookupId("card", "c");
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(seq->value_or(0), 3u);
  auto missing = log_->LookupId("card", "nope");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

// on_idle runs on the writer once per quiet spell after groups were
// written (not while idle with nothing written, not per group of a busy
// spell), and once more when the log stops after a group.
TEST_F(EventLogTest, OnIdleRunsOncePerQuietSpellAndAtStop) {
  CloseLog();
  std::atomic<int> idles{0};
  options_.on_idle = [&idles] { idles.fetch_add(1); };
  options_.idle_after = absl::Milliseconds(20);
  OpenLog();
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(idles.load(), 0) << "idle before anything was written";
  for (int i = 0; i < 5; ++i) {  // a busy spell: groups < 20 ms apart
    Append({MakeEvent("busy" + std::to_string(i), 1000 + i)});
  }
  const absl::Time until = absl::Now() + absl::Seconds(10);
  while (idles.load() == 0 && absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  EXPECT_EQ(idles.load(), 1);
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(idles.load(), 1) << "once per quiet spell";
  Append({MakeEvent("later", 3000)});
  CloseLog();  // stops right after a group: on_idle runs at the stop
  EXPECT_EQ(idles.load(), 2);
}

TEST_P(BackendTest, EachGroupSyncIsObserved) {
  CloseLog();
  metrics::Histogram syncs({100, 1000, 10000});
  options_.sync_micros = &syncs;
  OpenLog();
  for (int i = 0; i < 3; ++i) {  // one group each: Append waits for its ack
    Append({MakeEvent("s" + std::to_string(i), 1000 + i)});
  }
  EXPECT_EQ(syncs.Snap().count, 3u);
  Append({MakeEvent("s0", 1000)});  // a repeat only: nothing to sync
  EXPECT_EQ(syncs.Snap().count, 3u);
}

TEST_F(EventLogTest, FullQueueIsResourceExhaustedNotADrop) {
  CloseLog();
  auto store = storage::Store::Open(dir_, storage::StoreOptions());
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

// The same idempotency behaviour with either index: 0 is the store's exact
// index, 2 an in-memory index that spills almost every group, 1000 one
// that never spills here.
class IndexModeTest : public EventLogTest,
                      public ::testing::WithParamInterface<size_t> {
 protected:
  void SetUp() override {
    UseMode(GetParam());
    EventLogTest::SetUp();
  }
  bool memory_mode() const { return GetParam() > 0 && GetParam() != kSegments; }
};

TEST_P(IndexModeTest, DuplicatesWithinAndAcrossGroupsGetTheOriginalSequence) {
  Append({MakeEvent("a", 1000), MakeEvent("b", 2000)});
  AppendOutcome out = Append({MakeEvent("b", 2000), MakeEvent("c", 3000)});
  EXPECT_EQ(out.sequences, (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(out.duplicate, (std::vector<bool>{true, false}));
  // Same event_id on another channel, and another event_id on the same
  // channel, are different events.
  out = Append({MakeEvent("b", 2000, "wallet"), MakeEvent("bb", 2000)});
  EXPECT_EQ(out.sequences, (std::vector<uint64_t>{4, 5}));
  EXPECT_EQ(out.duplicate, (std::vector<bool>{false, false}));
  // Twice in one batch, and again across the group boundary.
  out = Append({MakeEvent("d", 1), MakeEvent("d", 1), MakeEvent("a", 1)});
  EXPECT_EQ(out.sequences, (std::vector<uint64_t>{6, 6, 1}));
  EXPECT_EQ(out.duplicate, (std::vector<bool>{false, true, true}));
  out = Append({MakeEvent("d", 1), MakeEvent("b", 1, "wallet")});
  EXPECT_EQ(out.sequences, (std::vector<uint64_t>{6, 4}));
  EXPECT_EQ(out.duplicate, (std::vector<bool>{true, true}));
  WaitDispatched(6);
  absl::MutexLock lock(&mu_);
  EXPECT_EQ(dispatched_.size(), 6u);
}

TEST_P(IndexModeTest, ResentIdsAreFoundAfterSpills) {
  // 50 ids in groups of 5, then every one re-sent (in one batch and one by
  // one) among new ids.
  for (int b = 0; b < 10; ++b) {
    std::vector<Event> batch;
    for (int i = 0; i < 5; ++i) {
      batch.push_back(MakeEvent("id-" + std::to_string(b * 5 + i), 1000));
    }
    Append(std::move(batch));
  }
  std::vector<Event> resent;
  std::vector<uint64_t> expected;
  for (int i = 49; i >= 0; --i) {
    resent.push_back(MakeEvent("id-" + std::to_string(i), 1000));
    expected.push_back(i + 1);
  }
  resent.push_back(MakeEvent("new", 1000));
  expected.push_back(51);
  AppendOutcome out = Append(std::move(resent));
  EXPECT_EQ(out.sequences, expected);
  for (int i = 0; i < 50; ++i) EXPECT_TRUE(out.duplicate[i]) << i;
  EXPECT_FALSE(out.duplicate[50]);
  for (int i = 0; i < 51; i += 7) {
    const std::string id = i == 50 ? "new" : "id-" + std::to_string(i);
    out = Append({MakeEvent(id, 1000)});
    EXPECT_EQ(out.sequences, (std::vector<uint64_t>{uint64_t(i) + 1})) << id;
    EXPECT_EQ(out.duplicate, (std::vector<bool>{true})) << id;
  }
  log_->Stop();
  const MemoryIdIndex* index = log_->memory_id_index();
  ASSERT_EQ(index != nullptr, memory_mode());
  if (index != nullptr) {
    EXPECT_LE(index->size(), index->max_memory_entries());
    EXPECT_EQ(index->spills() > 0, GetParam() < 51);
    EXPECT_EQ(index->size() + index->spilled_entries(), 51u);
  }
}

TEST_P(IndexModeTest, LookupIdFindsLoggedIds) {
  Append({MakeEvent("a", 1000), MakeEvent("b", 2000), MakeEvent("c", 3000)});
  Append({MakeEvent("c", 3000, "wallet")});
  auto seq = log_->LookupId("card", "c");
  ASSERT_TRUE(seq.ok()) << seq.status();
  EXPECT_EQ(seq->value_or(0), 3u);
  seq = log_->LookupId("card", "a");
  ASSERT_TRUE(seq.ok()) << seq.status();
  EXPECT_EQ(seq->value_or(0), 1u);
  seq = log_->LookupId("wallet", "c");
  ASSERT_TRUE(seq.ok()) << seq.status();
  EXPECT_EQ(seq->value_or(0), 4u);
  auto missing = log_->LookupId("card", "nope");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  missing = log_->LookupId("wallet", "a");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

INSTANTIATE_TEST_SUITE_P(
    AllModes, IndexModeTest,
    ::testing::Values(0, 2, 1000, EventLogHarness::kSegments),
    [](const ::testing::TestParamInfo<size_t>& info) {
      return EventLogHarness::ModeName(info.param);
    });

// Keys in the store's idem column family.
size_t CountIdemKeys(storage::Store* store) {
  size_t n = 0;
  auto it = store->NewIterator(storage::Cf::kIdem);
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
  EXPECT_TRUE(store->IteratorStatus(*it, "scan idem").ok());
  return n;
}

TEST_F(EventLogTest, MemoryIndexWritesNoIdemEntriesUntilItSpills) {
  CloseLog();
  dir_ = MakeTempDir();
  options_.memory_id_index_entries = 100;
  OpenLog();
  Append({MakeEvent("a", 1000), MakeEvent("b", 2000)});
  EXPECT_EQ(CountIdemKeys(store_.get()), 0u);
  auto seq = log_->LookupId("card", "b");
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(seq->value_or(0), 2u);
}

TEST_F(EventLogTest, MemoryIndexRefusesAStoreThatHasLoggedEvents) {
  Append({MakeEvent("a", 1000)});
  CloseLog();
  auto store = storage::Store::Open(dir_, storage::StoreOptions());
  ASSERT_TRUE(store.ok());
  EventLog::Options options = DefaultOptions();
  options.memory_id_index_entries = 100;
  EventLog log(store->get(), options, [](std::vector<LoggedEvent>) {});
  absl::Status s = log.Open();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_NE(s.message().find("empty log store"), std::string::npos) << s;
}

TEST_F(EventLogTest, MemoryIndexRefusesAStoreWithIdemEntries) {
  CloseLog();
  auto store = storage::Store::Open(MakeTempDir(), storage::StoreOptions());
  ASSERT_TRUE(store.ok());
  // What a crashed earlier run could leave: spilled entries, no meta.
  rocksdb::WriteBatch batch;
  ASSERT_TRUE(batch
                  .Put((*store)->handle(storage::Cf::kIdem),
                       FingerprintKey(FingerprintId("card", "a")),
                       SequenceKey(1))
                  .ok());
  ASSERT_TRUE((*store)->Write(&batch, false).ok());
  EventLog::Options options = DefaultOptions();
  options.memory_id_index_entries = 100;
  EventLog log(store->get(), options, [](std::vector<LoggedEvent>) {});
  absl::Status s = log.Open();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_NE(s.message().find("idem column family"), std::string::npos) << s;
}

// Runs a stream of batches through a fresh log with the given index and
// returns each batch's outcome. All batches are queued before any is
// awaited, so the writer forms groups of several batches.
std::vector<AppendOutcome> RunStream(
    size_t memory_entries, const std::vector<std::vector<Event>>& batches,
    uint64_t* spills) {
  std::vector<AppendOutcome> outcomes;
  auto store = storage::Store::Open(MakeTempDir(), storage::StoreOptions());
  EXPECT_TRUE(store.ok()) << store.status();
  if (!store.ok()) return outcomes;
  EventLog::Options options;
  options.sync = false;
  options.store_records = false;
  options.memory_id_index_entries = memory_entries;
  EventLog log(store->get(), options, [](std::vector<LoggedEvent>) {});
  EXPECT_TRUE(log.Open().ok());
  log.Start();
  std::vector<std::shared_ptr<AppendTicket>> tickets;
  for (const auto& batch : batches) {
    auto ticket = log.Submit(batch, absl::Seconds(10));
    EXPECT_TRUE(ticket.ok()) << ticket.status();
    if (!ticket.ok()) return outcomes;
    tickets.push_back(*ticket);
  }
  for (auto& ticket : tickets) {
    auto outcome = ticket->Wait();
    EXPECT_TRUE(outcome.ok()) << outcome.status();
    outcomes.push_back(outcome.ok() ? *outcome : AppendOutcome());
  }
  log.Stop();
  *spills = log.memory_id_index() != nullptr ? log.memory_id_index()->spills()
                                             : 0;
  return outcomes;
}

TEST(EventLogIndexEquivalenceTest, MemoryAndStoreIndexAgreeOnARandomStream) {
  std::mt19937_64 rng(20240611);
  std::vector<std::pair<std::string, std::string>> sent;
  std::vector<std::vector<Event>> batches;
  size_t resent = 0, total = 0;
  while (total < 5000) {
    std::vector<Event> batch;
    const size_t n = 1 + rng() % 64;
    for (size_t i = 0; i < n; ++i, ++total) {
      std::string channel = rng() % 3 == 0 ? "wallet" : "card";
      std::string id;
      if (!sent.empty() && rng() % 10 == 0) {
        // ~10% re-sent: any earlier id, often one from this very batch.
        const auto& old = sent[sent.size() - 1 - rng() % std::min<size_t>(
                                                      sent.size(), 200)];
        channel = old.first;
        id = old.second;
        ++resent;
      } else {
        id = "evt-" + std::to_string(rng());
        sent.emplace_back(channel, id);
      }
      batch.push_back(MakeEvent(id, static_cast<int64_t>(total), channel));
    }
    batches.push_back(std::move(batch));
  }
  ASSERT_GT(resent, total / 20);

  uint64_t spills = 0;
  const std::vector<AppendOutcome> reference = RunStream(0, batches, &spills);
  ASSERT_EQ(reference.size(), batches.size());
  for (size_t budget : {size_t{100}, size_t{1} << 20}) {
    const std::vector<AppendOutcome> got = RunStream(budget, batches, &spills);
    ASSERT_EQ(got.size(), reference.size()) << budget;
    for (size_t b = 0; b < got.size(); ++b) {
      ASSERT_EQ(got[b].sequences, reference[b].sequences)
          << "budget " << budget << " batch " << b;
      ASSERT_EQ(got[b].duplicate, reference[b].duplicate)
          << "budget " << budget << " batch " << b;
    }
    EXPECT_EQ(spills > 0, budget == 100) << budget;
  }
}

}  // namespace
}  // namespace riskflow::log
