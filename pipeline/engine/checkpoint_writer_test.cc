// CheckpointWriter against a real RocksDB store: the checkpoint (state
// changes + the shard's offset) lands in one atomic ingestion of two SST
// files, `on_written` runs only after it committed, at most one is in
// flight, and a write that keeps failing is given up only once the shard
// is stopping.
#include "pipeline/engine/checkpoint_writer.h"

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "pipeline/engine/checkpoint_sst.h"
#include "pipeline/engine/shard_layouts.h"
#include "pipeline/state/int64_add_operator.h"
#include "pipeline/state/key_codec.h"
#include "pipeline/state/state_store.h"
#include "pipeline/storage/key_encoding.h"
#include "pipeline/storage/store.h"
#include "pipeline/storage/test_util.h"

namespace riskflow::engine {
namespace {

using storage::Cf;

class CheckpointWriterTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    store_.reset();
    auto store =
        state::OpenStateStore(dir_.path() + "/engine", storage::StoreOptions());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    target_.store = store_.get();
    target_.shard_count = 2;
    target_.shard_index = 1;
  }

  // Files waiting in the store's staging directory.
  std::vector<std::string> Staged() {
    std::vector<std::string> names;
    for (const auto& e :
         std::filesystem::directory_iterator(store_->staging_dir())) {
      names.push_back(e.path().filename().string());
    }
    return names;
  }
  // A state CF counter value (the Int64Add merge operator's encoding).
  static std::string Int64(int64_t v) {
    std::string out;
    state::AppendInt64(v, &out);
    return out;
  }

  std::optional<std::string> Get(Cf cf, const std::string& key) {
    std::string value;
    absl::StatusOr<bool> found = store_->Get(cf, key, &value);
    EXPECT_TRUE(found.ok()) << found.status();
    if (!found.ok() || !*found) return std::nullopt;
    return value;
  }
  std::optional<std::string> Offset() {
    return Get(Cf::kMeta, ShardLayouts::OffsetKey(2, 1));
  }

  storage::ScopedTempDir dir_;
  std::unique_ptr<storage::Store> store_;
  CommitTarget target_;
  absl::Notification stopping_;
  logging::RateLimiter limiter_{10, absl::Seconds(10)};
};

TEST_F(CheckpointWriterTest, NotesTheCheckpointOnlyOnceItIsInTheStore) {
  absl::Notification release;
  std::atomic<int> attempts{0};
  std::atomic<uint64_t> noted{0};
  std::atomic<bool> in_store_when_noted{false};
  CheckpointWriter writer(
      target_, &stopping_, &limiter_,
      [&](uint32_t shard) {
        EXPECT_EQ(shard, 1u);
        attempts.fetch_add(1);
        release.WaitForNotification();
        return absl::OkStatus();
      },
      [&](uint64_t through, int64_t watermark) {
        in_store_when_noted.store(Offset().has_value() &&
                                  Get(Cf::kState, "k1").has_value());
        EXPECT_EQ(watermark, 77);
        noted.store(through);
      });
  state::StateChanges changes;
  changes.Put("k2", "v2");
  changes.Put("k1", "v1");
  writer.Submit(std::move(changes), 42, 77, 0, absl::Milliseconds(1));
  EXPECT_TRUE(writer.busy());
  while (attempts.load() == 0) absl::SleepFor(absl::Milliseconds(1));
  // Blocked in the write: nothing noted, nothing in the store.
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_TRUE(writer.busy());
  EXPECT_EQ(noted.load(), 0u);
  EXPECT_FALSE(Offset().has_value());
  EXPECT_FALSE(Get(Cf::kState, "k1").has_value());
  // Built, not ingested: the state file and the offset file.
  EXPECT_EQ(Staged().size(), 2u);

  release.Notify();
  writer.Wait();
  EXPECT_FALSE(writer.busy());
  EXPECT_FALSE(writer.failed());
  EXPECT_EQ(noted.load(), 42u);
  EXPECT_TRUE(in_store_when_noted.load());
  EXPECT_EQ(writer.written(), 1u);
  EXPECT_EQ(Offset(), storage::SequenceKey(42));
  EXPECT_EQ(Get(Cf::kState, "k2"), "v2");
  // Ingested (moved into the store), not written through the memtable.
  EXPECT_TRUE(Staged().empty());
  uint64_t memtable_entries = 1;
  ASSERT_TRUE(store_->db()->GetIntProperty(
      store_->handle(Cf::kState), "rocksdb.num-entries-active-mem-table",
      &memtable_entries));
  EXPECT_EQ(memtable_entries, 0u);
}

TEST_F(CheckpointWriterTest, RetriesAFailingWriteWhileRunning) {
  std::atomic<int> attempts{0};
  std::atomic<uint64_t> noted{0};
  CheckpointWriter writer(
      target_, &stopping_, &limiter_,
      [&](uint32_t) {
        return attempts.fetch_add(1) < 2
                   ? absl::UnavailableError("injected write failure")
                   : absl::OkStatus();
      },
      [&](uint64_t through, int64_t) { noted.store(through); });
  state::StateChanges changes;
  changes.Put("k1", "v1");
  writer.Submit(std::move(changes), 7, 0, 0, absl::ZeroDuration());
  writer.Wait();
  EXPECT_EQ(attempts.load(), 3);
  EXPECT_FALSE(writer.failed());
  EXPECT_EQ(noted.load(), 7u);
  EXPECT_EQ(Offset(), storage::SequenceKey(7));
}

TEST_F(CheckpointWriterTest, GivesUpAtShutdownWithoutNotingIt) {
  std::atomic<int> attempts{0};
  std::atomic<bool> noted{false};
  CheckpointWriter writer(
      target_, &stopping_, &limiter_,
      [&](uint32_t) {
        attempts.fetch_add(1);
        return absl::UnavailableError("injected write failure");
      },
      [&](uint64_t, int64_t) { noted.store(true); });
  state::StateChanges changes;
  changes.Put("k1", "v1");
  writer.Submit(std::move(changes), 9, 0, 3, absl::ZeroDuration());
  // Still retrying while the shard runs.
  while (attempts.load() < 2) absl::SleepFor(absl::Milliseconds(1));
  EXPECT_TRUE(writer.busy());
  EXPECT_FALSE(writer.failed());
  stopping_.Notify();
  const absl::Time start = absl::Now();
  writer.Wait();
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  EXPECT_TRUE(writer.failed());
  EXPECT_FALSE(noted.load());
  EXPECT_FALSE(Offset().has_value());
  EXPECT_FALSE(Get(Cf::kState, "k1").has_value());
  // Its files are deleted.
  EXPECT_TRUE(Staged().empty());
}

TEST_F(CheckpointWriterTest, StateAndOffsetLandTogetherAfterAFailedIngest) {
  // Fails between building the files and ingesting them, twice; each time
  // neither the state nor the offset is visible, then both are.
  std::atomic<int> attempts{0};
  std::atomic<bool> seen_partial{false};
  std::atomic<size_t> staged_on_failure{0};
  CheckpointWriter writer(
      target_, &stopping_, &limiter_,
      [&](uint32_t) {
        if (Offset().has_value() || Get(Cf::kState, "s1").has_value()) {
          seen_partial.store(true);
        }
        if (attempts.fetch_add(1) < 2) {
          staged_on_failure.store(Staged().size());
          return absl::UnavailableError("injected failure before ingest");
        }
        return absl::OkStatus();
      },
      [&](uint64_t, int64_t) {});
  state::StateChanges changes;
  for (int i = 999; i >= 0; --i) {
    changes.Put(absl::StrCat("s", i), absl::StrCat("v", i));
  }
  writer.Submit(std::move(changes), 11, 0, 0, absl::ZeroDuration());
  writer.Wait();
  EXPECT_EQ(attempts.load(), 3);
  EXPECT_FALSE(seen_partial.load());
  EXPECT_EQ(staged_on_failure.load(), 2u);
  EXPECT_EQ(Offset(), storage::SequenceKey(11));
  EXPECT_EQ(Get(Cf::kState, "s0"), "v0");
  EXPECT_EQ(Get(Cf::kState, "s999"), "v999");
  EXPECT_TRUE(Staged().empty());
}

TEST_F(CheckpointWriterTest, ACrashBeforeIngestLeavesNothingAndOpenCleansUp) {
  {
    // Built, never ingested: the process "dies" here.
    CheckpointSst files(store_.get(), "2-1-5");
    state::StateChanges changes;
    changes.Put("c1", "v1");
    ASSERT_TRUE(files.Build(changes, ShardLayouts::OffsetKey(2, 1),
                            storage::SequenceKey(5))
                    .ok());
    // Keep the files as a crash would (the destructor deletes them).
    std::filesystem::copy(store_->staging_dir(), dir_.path() + "/crash");
  }
  std::filesystem::copy(dir_.path() + "/crash", store_->staging_dir());
  ASSERT_EQ(Staged().size(), 2u);
  Open();
  EXPECT_EQ(store_->staging_leftovers_removed(), 2u);
  EXPECT_TRUE(Staged().empty());
  EXPECT_FALSE(Offset().has_value());
  EXPECT_FALSE(Get(Cf::kState, "c1").has_value());
}

TEST_F(CheckpointWriterTest, MergesOntoMemtableDataAfterFlushingIt) {
  // The state CF's memtable holds a key in the file's range (e.g. the
  // synchronous Stop checkpoint of the last run, replayed from the WAL):
  // the writer flushes it first, and the file's Merge applies on top.
  rocksdb::WriteBatch batch;
  ASSERT_TRUE(batch.Merge(store_->handle(Cf::kState), "m1", Int64(5)).ok());
  ASSERT_TRUE(batch.Put(store_->handle(Cf::kMeta),
                        ShardLayouts::OffsetKey(2, 1), storage::SequenceKey(3))
                  .ok());
  ASSERT_TRUE(store_->Write(&batch, false).ok());
  CheckpointSst files(store_.get(), "2-1-6");
  state::StateChanges changes;
  changes.Merge("m1", Int64(7));
  changes.Put("m2", "x");
  ASSERT_TRUE(files.Build(changes, ShardLayouts::OffsetKey(2, 1),
                          storage::SequenceKey(6))
                  .ok());
  ASSERT_TRUE(files.Ingest().ok());
  EXPECT_EQ(files.flushes(), 1);
  EXPECT_EQ(files.entries(), 2u);
  EXPECT_EQ(Get(Cf::kState, "m1"), Int64(12));
  EXPECT_EQ(Offset(), storage::SequenceKey(6));

  // A later synchronous write (Stop's checkpoint) wins over the file.
  rocksdb::WriteBatch later;
  ASSERT_TRUE(later.Merge(store_->handle(Cf::kState), "m1", Int64(1)).ok());
  ASSERT_TRUE(later.Put(store_->handle(Cf::kMeta),
                        ShardLayouts::OffsetKey(2, 1), storage::SequenceKey(8))
                  .ok());
  ASSERT_TRUE(store_->Write(&later, false).ok());
  EXPECT_EQ(Get(Cf::kState, "m1"), Int64(13));
  EXPECT_EQ(Offset(), storage::SequenceKey(8));
  // And survives a restart.
  Open();
  EXPECT_EQ(Get(Cf::kState, "m1"), Int64(13));
  EXPECT_EQ(Get(Cf::kState, "m2"), "x");
  EXPECT_EQ(Offset(), storage::SequenceKey(8));
}

TEST_F(CheckpointWriterTest, DuplicatedKeysAreReducedWithTheMergeOperator) {
  rocksdb::WriteBatch base;
  ASSERT_TRUE(base.Put(store_->handle(Cf::kState), "d1", Int64(100)).ok());
  ASSERT_TRUE(store_->Write(&base, false).ok());
  ASSERT_TRUE(store_->Flush().ok());
  std::atomic<uint64_t> noted{0};
  CheckpointWriter writer(target_, &stopping_, &limiter_, nullptr,
                          [&](uint64_t through, int64_t) {
                            noted.store(through);
                          });
  state::StateChanges changes;
  changes.Merge("d1", Int64(1));
  changes.Merge("d1", Int64(2));  // one Merge(3) in the file
  changes.Put("d2", "a");
  changes.Put("d2", "b");          // the last Put
  changes.Put("d3", Int64(10));
  changes.Merge("d3", Int64(5));   // one Put(15)
  writer.Submit(std::move(changes), 21, 0, 0, absl::ZeroDuration());
  writer.Wait();
  EXPECT_EQ(noted.load(), 21u);
  EXPECT_EQ(Get(Cf::kState, "d1"), Int64(103));
  EXPECT_EQ(Get(Cf::kState, "d2"), "b");
  EXPECT_EQ(Get(Cf::kState, "d3"), Int64(15));
  EXPECT_EQ(Offset(), storage::SequenceKey(21));
  EXPECT_TRUE(Staged().empty());
  // Ingested, not written through the memtable.
  uint64_t memtable_entries = 1;
  ASSERT_TRUE(store_->db()->GetIntProperty(
      store_->handle(Cf::kState), "rocksdb.num-entries-active-mem-table",
      &memtable_entries));
  EXPECT_EQ(memtable_entries, 0u);
}

TEST_F(CheckpointWriterTest, UnreducibleChangesAreOneWriteBatch) {
  // Operands the merge operator declines to combine (not 8-byte counters):
  // the checkpoint falls back to a single WriteBatch, state and offset.
  std::atomic<uint64_t> noted{0};
  CheckpointWriter writer(target_, &stopping_, &limiter_, nullptr,
                          [&](uint64_t through, int64_t) {
                            noted.store(through);
                          });
  state::StateChanges changes;
  changes.Merge("e1", "bad");
  changes.Merge("e1", "worse");
  changes.Put("e2", "v");
  writer.Submit(std::move(changes), 23, 0, 0, absl::ZeroDuration());
  writer.Wait();
  EXPECT_FALSE(writer.failed());
  EXPECT_EQ(noted.load(), 23u);
  EXPECT_EQ(Get(Cf::kState, "e2"), "v");
  EXPECT_EQ(Offset(), storage::SequenceKey(23));
  EXPECT_TRUE(Staged().empty());
  uint64_t memtable_entries = 0;
  ASSERT_TRUE(store_->db()->GetIntProperty(
      store_->handle(Cf::kState), "rocksdb.num-entries-active-mem-table",
      &memtable_entries));
  EXPECT_EQ(memtable_entries, 3u);
}

TEST_F(CheckpointWriterTest, AnEmptyCheckpointIngestsTheOffsetAlone) {
  CheckpointWriter writer(target_, &stopping_, &limiter_, nullptr,
                          [&](uint64_t, int64_t) {});
  writer.Submit(state::StateChanges(), 4, 0, 0, absl::ZeroDuration());
  writer.Wait();
  EXPECT_FALSE(writer.failed());
  EXPECT_EQ(Offset(), storage::SequenceKey(4));
}

// One change as StateChanges::AppendSortedTo put it into a WriteBatch.
struct BatchOp {
  char kind;  // 'P'ut or 'M'erge
  std::string key;
  std::string value;
};

std::vector<BatchOp> AppendedSorted(state::StateChanges& changes) {
  rocksdb::WriteBatch batch;
  changes.AppendSortedTo(&batch, nullptr);
  struct Collect : rocksdb::WriteBatch::Handler {
    std::vector<BatchOp> ops;
    rocksdb::Status PutCF(uint32_t, const rocksdb::Slice& k,
                          const rocksdb::Slice& v) override {
      ops.push_back({'P', k.ToString(), v.ToString()});
      return rocksdb::Status::OK();
    }
    rocksdb::Status MergeCF(uint32_t, const rocksdb::Slice& k,
                            const rocksdb::Slice& v) override {
      ops.push_back({'M', k.ToString(), v.ToString()});
      return rocksdb::Status::OK();
    }
  } collect;
  EXPECT_TRUE(batch.Iterate(&collect).ok());
  return collect.ops;
}

TEST(StateChangesTest, AppendsInKeyOrderKeepingDuplicatesInOrder) {
  state::StateChanges changes;
  changes.Merge("b", "1");
  changes.Put("a", "2");
  changes.Put("b", "3");
  // Longer than the 16-byte prefix, and a prefix of another key.
  changes.Put("0123456789abcdefZ", "4");
  changes.Put("0123456789abcdefY", "5");
  changes.Put("0123456789abcdef", "6");
  changes.Put(std::string("a\0", 2), "7");
  std::string ops;
  for (const BatchOp& op : AppendedSorted(changes)) {
    ops += op.kind + op.key + op.value + " ";
  }
  EXPECT_EQ(ops, "P0123456789abcdef6 P0123456789abcdefY5 "
                 "P0123456789abcdefZ4 Pa2 Pa" + std::string(1, '\0') +
                 "7 Mb1 Pb3 ");
}

// The in-place sort keeps a key's changes in the order they were added,
// however many there are, and a cleared buffer starts empty.
TEST(StateChangesTest, ManyChangesOfOneKeyKeepTheirOrderAcrossClear) {
  state::StateChanges changes;
  for (int round = 0; round < 2; ++round) {
    std::string want;
    for (int i = 0; i < 300; ++i) {
      changes.Put("k", std::to_string(round * 1000 + i));
      changes.Put(std::string(1, static_cast<char>('a' + i % 7)), "x");
      if (i % 7 == 3) want += "Pd" + std::string("x") + " ";
    }
    for (int i = 0; i < 300; ++i) {
      want += "Pk" + std::to_string(round * 1000 + i) + " ";
    }
    const std::vector<BatchOp> ops = AppendedSorted(changes);
    std::string k_and_d;
    for (const BatchOp& op : ops) {
      if (op.key == "k" || op.key == "d") {
        k_and_d += op.kind + op.key + op.value + " ";
      }
    }
    EXPECT_EQ(k_and_d, want) << "round " << round;
    EXPECT_EQ(ops.size(), 600u);
    const size_t capacity = changes.capacity_bytes();
    changes.Clear();
    EXPECT_TRUE(changes.empty());
    EXPECT_EQ(changes.bytes(), 0u);
    EXPECT_EQ(changes.capacity_bytes(), capacity);
  }
}

// Keys that tie on the 32 bytes the sort compares as integers are ordered
// by their bytes, a shorter key before a longer one it is a prefix of.
TEST(StateChangesTest, KeysBeyondTheComparedPrefixSortByTheirBytes) {
  const std::string p32(32, 'p');
  state::StateChanges changes;
  changes.Put(p32 + "b", "1");
  changes.Put(p32 + "a" + std::string(10, 'z'), "2");
  changes.Put(p32, "3");
  changes.Put(p32 + "a", "4");
  changes.Put(std::string(31, 'p'), "5");
  changes.Put(std::string(31, 'p') + std::string(1, '\0'), "6");
  changes.Put(p32 + "a", "7");  // a duplicate keeps its place
  std::string values;
  for (const BatchOp& op : AppendedSorted(changes)) values += op.value;
  EXPECT_EQ(values, "5634721");
}

// Duplicates of keys longer than the compared prefix, and keys that share
// it but differ later, are told apart when an SST file gets one entry per
// key.
TEST(StateChangesTest, SstEntriesPerKeyBeyondTheComparedPrefix) {
  storage::ScopedTempDir dir;
  rocksdb::Options options;
  rocksdb::SstFileWriter file(rocksdb::EnvOptions(), options);
  ASSERT_TRUE(file.Open(dir.path() + "/f.sst").ok());
  const std::string p32(32, 'p');
  state::StateChanges changes;
  changes.Put(p32 + "x", "1");
  changes.Put(p32 + "y", "2");
  changes.Put(p32 + "x", "3");  // replaces "1"
  changes.Put(p32, "4");
  changes.Put(p32 + "x" + std::string(1, '\0'), "5");
  absl::StatusOr<size_t> written = changes.WriteSortedTo(&file, nullptr);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(*written, 4u);
  rocksdb::ExternalSstFileInfo info;
  ASSERT_TRUE(file.Finish(&info).ok());
  EXPECT_EQ(info.num_entries, 4u);
}

// The written checkpoint's buffer comes back emptied with its memory, so
// the next checkpoint does not fault in fresh pages.
TEST_F(CheckpointWriterTest, HandsBackTheWrittenBufferEmptied) {
  CheckpointWriter writer(target_, &stopping_, &limiter_, nullptr,
                          [&](uint64_t, int64_t) {});
  EXPECT_LT(writer.TakeSpare().capacity_bytes(), 1u << 16);
  state::StateChanges changes;
  changes.Reserve(1000, 1 << 16);
  changes.Put("k1", "v1");
  writer.Submit(std::move(changes), 9, 0, 0, absl::ZeroDuration());
  writer.Wait();
  ASSERT_FALSE(writer.failed());
  EXPECT_EQ(Offset(), storage::SequenceKey(9));
  state::StateChanges spare = writer.TakeSpare();
  EXPECT_TRUE(spare.empty());
  EXPECT_GE(spare.capacity_bytes(), 1u << 16);
  EXPECT_LT(writer.TakeSpare().capacity_bytes(), 1u << 16);  // handed out once
}

TEST(StateChangesTest, WritesAnSstFileKeepingTheLastChangeOfAKey) {
  storage::ScopedTempDir dir;
  rocksdb::Options options;
  rocksdb::SstFileWriter file(rocksdb::EnvOptions(), options);
  ASSERT_TRUE(file.Open(dir.path() + "/f.sst").ok());
  state::StateChanges changes;
  changes.Put("b", "1");
  changes.Merge("a", "2");
  changes.Merge("b", "3");
  changes.Put("b", "4");  // replaces both earlier changes of "b"
  changes.Put("c", "5");
  absl::StatusOr<size_t> written = changes.WriteSortedTo(&file, nullptr);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(*written, 3u);
  rocksdb::ExternalSstFileInfo info;
  ASSERT_TRUE(file.Finish(&info).ok());
  EXPECT_EQ(info.num_entries, 3u);
  EXPECT_EQ(info.smallest_key, "a");
  EXPECT_EQ(info.largest_key, "c");

  state::StateChanges merge_after;
  merge_after.Put("x", "1");
  merge_after.Merge("x", "2");
  rocksdb::SstFileWriter other(rocksdb::EnvOptions(), options);
  ASSERT_TRUE(other.Open(dir.path() + "/g.sst").ok());
  // Without a merge operator a Merge after another change is refused.
  EXPECT_TRUE(absl::IsFailedPrecondition(
      merge_after.WriteSortedTo(&other, nullptr).status()));
  // With one, it becomes one entry.
  state::StateChanges counters;
  counters.Merge("y", state::EncodeInt64(2));
  counters.Merge("x", state::EncodeInt64(3));
  counters.Merge("y", state::EncodeInt64(4));
  auto add = state::NewInt64AddOperator();
  rocksdb::SstFileWriter third(rocksdb::EnvOptions(), options);
  ASSERT_TRUE(third.Open(dir.path() + "/h.sst").ok());
  written = counters.WriteSortedTo(&third, add.get());
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(*written, 2u);
}

}  // namespace
}  // namespace riskflow::engine
